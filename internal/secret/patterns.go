package secret

import (
	"strings"
	"unicode"
)

// commonPairs are the letter pairs that make up most of English text (about
// 180 of the 676 pairs, which cover nearly all of it). A word's pairs are
// nearly all among them; a random string's are about one in four.
var commonPairs = func() map[string]bool {
	m := map[string]bool{}
	for _, p := range strings.Fields(`
		th he in er an re on at en nd ti es or te of ed is it al ar st to nt ng se ha as ou
		io le ve co me de hi ri ro ic ne ea ra ce li ch ll be ma si om ur ca el ta la ns di
		fo ho pe ec pr no ct us ac ot il tr ly nc et ut ss so rs un lo wa ge ie wh ee wi em
		ad ol rt po we na ul ni ts mo ow pa im mi ai sh ir su id os iv ia am fi ci vi pl ig
		tu ev ld ry mp fe bl ab gh ty op wo sa ay ex ke fr oo av ag if ap gr od bo sp rd do
		uc bu ei ov by rm ep tt oc fa ef cu rn sc gi da yo cr cl du ga qu ue ff ba ey ls va
		um pp ua up lu go ht ru ug ds lt pi rc rr eg au ck ew mu br bi pt ak pu ui rg ib tl
		ny ki rk ys ob mm fu ph og ms ye ud mb ip ub oi rl gu dr hr cc tw ft wn nu af hu nn
		eo vo rv nf xp gn sm fl iz ok nl my gl aw ju oa eq sy sl ps jo lf nv je nk kn gs dy
		hy ze ks xt bs ik dd cy rp sk xi oe oy ws lv dl rf eu dg wr`) {
		m[p] = true
	}
	return m
}()

// words splits v into its runs of letters, also where camelCase starts a new
// word (ThisIsMy → This Is My; APIKey → API Key), lowercased.
func words(v string) []string {
	var out []string
	r := []rune(v)
	start := -1
	for i := 0; i <= len(r); i++ {
		letter := i < len(r) && r[i] < unicode.MaxASCII && unicode.IsLetter(r[i])
		boundary := letter && start >= 0 && unicode.IsUpper(r[i]) &&
			(unicode.IsLower(r[i-1]) || (i+1 < len(r) && unicode.IsLower(r[i+1]) && unicode.IsUpper(r[i-1])))
		if start >= 0 && (!letter || boundary) {
			out = append(out, strings.ToLower(string(r[start:i])))
			start = -1
		}
		if letter && start < 0 {
			start = i
		}
	}
	return out
}

// wordy reports whether most of v is words: runs of four letters or more
// whose letter pairs are all common in English but one in eight (where words
// join, a pair may be rare: secretpassword). Hex is left out: its six letters make
// short runs of English-looking pairs often enough by chance (a "face" or
// "bead"), and the words they can spell are no placeholder.
func wordy(v string) bool {
	if isHex(v) {
		return false
	}
	inWords := 0
	for _, w := range words(v) {
		if len(w) < 4 {
			continue
		}
		rare := 0
		for i := 0; i+1 < len(w); i++ {
			if !commonPairs[w[i:i+2]] {
				rare++
			}
		}
		if rare <= (len(w)-1)/8 {
			inWords += len(w)
		}
	}
	return inWords*2 >= len(v)
}

func isHex(v string) bool {
	return strings.Trim(strings.ToLower(v), "0123456789abcdef") == ""
}

// repetitive reports whether most of v is runs of at least five characters
// that repeat or count (aaaaa, 12345, abcba), or v repeats a shorter part of
// itself (abc123abc123).
func repetitive(v string) bool {
	b := []byte(v)
	covered, run := 0, 1
	for i := 1; i <= len(b); i++ {
		if i < len(b) && int(b[i])-int(b[i-1]) >= -1 && int(b[i])-int(b[i-1]) <= 1 {
			run++
			continue
		}
		if run >= 5 {
			covered += run
		}
		run = 1
	}
	if covered*2 >= len(b) {
		return true
	}
	for p := 1; p <= len(b)/3; p++ {
		same := 0
		for i := p; i < len(b); i++ {
			if b[i] == b[i-p] {
				same++
			}
		}
		if same*10 >= (len(b)-p)*8 {
			return true
		}
	}
	return false
}
