// Every string shown comes from HostUp through the server; it is set as text,
// never parsed as HTML, so a VPS named "<img onerror=…>" stays a name.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

const SVG = "http://www.w3.org/2000/svg";

// Icons give each state its own shape, so that state never rests on colour alone.
const ICONS = {
  covered: "M3.5 8.5l3 3 6-7",
  problem: "M8 2.5l6 11H2z M8 6.5v3.2 M8 11.6v.1",
  blocked: "M8 2a6 6 0 1 0 0 12A6 6 0 0 0 8 2z M3.8 12.2l8.4-8.4",
  unreadable: "M8 2a6 6 0 1 0 0 12A6 6 0 0 0 8 2z M6.2 6.3a1.9 1.9 0 1 1 2.6 1.8c-.6.3-.8.7-.8 1.3 M8 11.3v.1",
  completed: "M3.5 8.5l3 3 6-7",
  failed: "M4 4l8 8 M12 4l-8 8",
  missing: "M8 2a6 6 0 1 0 0 12A6 6 0 0 0 8 2z M5 8h6",
  pending: "M8 2a6 6 0 1 0 0 12A6 6 0 0 0 8 2z M8 5v3.2l2 1.3",
  manual: "M8 3v10 M3 8h10",
  info: "M8 2a6 6 0 1 0 0 12A6 6 0 0 0 8 2z M8 7.2v4 M8 4.9v.1",
};

export function icon(name) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("class", "icon");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", ICONS[name] || ICONS.unreadable);
  svg.append(path);
  return svg;
}
