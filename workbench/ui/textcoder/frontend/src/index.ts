// textcoder: the turns of a source in one scrolling box; select text in a turn and pick a code,
// click a coding stripe to select it, accept or reject suggestions; move between turns with the
// keyboard (j/k, arrows, Home/End) and choose one with Enter. Research text only ever goes into
// text nodes (textContent, createTextNode), never into innerHTML.
import { Streamlit, RenderData } from "streamlit-component-lib";
import "./style.css";
import { cpToUnit, decimal, trimRange, unitToCp } from "./offsets";

interface Turn { turn: number; speaker: string; actor: string | null; position: string; text: string; playable: boolean }
interface Code { id: string; label: string; color: string }
interface Coding { id: number; turn: number; code: string; coder: string; start: number | null; end: number | null }
interface Suggestion {
  id: number; turn: number; code: string; score: number; start: number | null; end: number | null;
  evidence: [number, number][]; method: string; precision: number | null; recall: number | null;
  quality: string; // "presisjon 85,7 % · treff 41,9 %", written by the Python side (quality_text)
}
interface Args {
  turns: Turn[]; codes: Code[]; codings: Coding[]; suggestions: Suggestion[];
  selected_coding: number | null; scroll_to: number | null; height: number;
}

// offsets below are UTF-16 units into the turn's text ("us"/"ue"), made once per render
interface CodingView extends Coding { us: number; ue: number; whole: boolean; color: string; label: string; level: number }
interface SuggestionView extends Suggestion { us: number; ue: number; ev: [number, number][]; color: string; label: string }
interface TurnView extends Turn { codings: CodingView[]; suggestions: SuggestionView[] }
interface Pending { turn: number; us: number; ue: number; cs: number; ce: number; text: string }

const GREY = "#8c8c8c";
const HINT = "Marker tekst i en tur for å kode den · klikk på en stripe for å velge en koding";
const KEYS_HINT = "Tastatur: j/k eller piltaster flytter mellom turer, Home/End til første/siste, " +
  "Enter velger turen og åpner kodelisten, Esc fjerner valget";

let turns = new Map<number, TurnView>();
let codes: Code[] = [];
let selected: number | null = null;
let current: number | null = null; // the turn the keyboard is on (j/k, arrows, Home/End; Enter chooses it)
let dataKey = "";
let lastScrollTo: number | null = null;
let lastSelected: number | null = null;
let lastSeq = 0;
let pending: Pending | null = null;
let popup: {
  el: HTMLElement; input: HTMLInputElement; list: HTMLElement; matches: Code[]; active: number;
  above: boolean | null; // placed above the selection (null: not placed yet)
} | null = null;

// ---- the fixed frame --------------------------------------------------------------------------
const root = document.getElementById("root") as HTMLElement;
root.className = "tc";
const scroller = el("div", "tc-scroller");
const content = el("div", "tc-content");
const status = el("div", "tc-status");
const keysLine = el("div", "tc-keys", KEYS_HINT);
scroller.appendChild(content);
// the pane takes the focus (Tab, or a click in it) so the keys below reach it
scroller.tabIndex = 0;
scroller.setAttribute("role", "region");
scroller.setAttribute("aria-label", "Turene i kilden");
scroller.setAttribute("aria-describedby", "tc-keys");
keysLine.id = "tc-keys";
root.append(scroller, status, keysLine);
setStatus(HINT);

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

function rgba(hex: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex) || /^#(.)(.)(.)$/.exec(GREY);
  const [r, g, b] = m ? [1, 2, 3].map((i) => parseInt(m[i], 16)) : [140, 140, 140];
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

function setStatus(text: string, warn = false): void {
  status.textContent = text;
  status.classList.toggle("tc-warn", warn);
}

/** Send an event to Python, stamped with a unique, increasing ``seq`` (milliseconds, so a reloaded
 *  frame still counts on from where the last one stopped). */
function emit(event: Record<string, unknown>): void {
  lastSeq = Math.max(Date.now(), lastSeq + 1);
  Streamlit.setComponentValue({ ...event, seq: lastSeq });
}

// ---- data -------------------------------------------------------------------------------------
function span(text: string, start: number | null, end: number | null): [number, number, boolean] {
  if (start === null || end === null) return [0, text.length, true];
  const us = cpToUnit(text, start);
  return [us, Math.max(us, cpToUnit(text, end)), false];
}

function prepare(args: Args): void {
  codes = args.codes;
  const byId = new Map(codes.map((c) => [c.id, c]));
  turns = new Map();
  for (const t of args.turns) turns.set(t.turn, { ...t, codings: [], suggestions: [] });
  for (const c of args.codings) {
    const t = turns.get(c.turn);
    if (!t) continue;
    const [us, ue, whole] = span(t.text, c.start, c.end);
    const code = byId.get(c.code);
    t.codings.push({ ...c, us, ue, whole, color: code ? code.color : GREY, label: code ? code.label : c.code, level: 0 });
  }
  for (const s of args.suggestions) {
    const t = turns.get(s.turn);
    if (!t) continue;
    const [us, ue] = span(t.text, s.start, s.end);
    const ev = (s.evidence || []).map(([a, b]) => [cpToUnit(t.text, a), cpToUnit(t.text, b)] as [number, number])
      .filter(([a, b]) => a < b);
    const code = byId.get(s.code);
    t.suggestions.push({ ...s, us, ue, ev, color: code ? code.color : GREY, label: code ? code.label : s.code });
  }
  for (const t of turns.values()) {
    // longest first among equal starts; each coding gets the lowest underline level that is free
    t.codings.sort((a, b) => a.us - b.us || (b.ue - b.us) - (a.ue - a.us) || a.id - b.id);
    const ends: number[] = [];
    for (const c of t.codings) {
      let level = ends.findIndex((end) => end <= c.us);
      if (level < 0) level = ends.push(0) - 1;
      ends[level] = c.ue;
      c.level = level;
    }
  }
}

// ---- drawing ----------------------------------------------------------------------------------
function render(args: Args): void {
  const top = scroller.scrollTop;
  const hadFocus = hasFocusInside();
  closePopup(false);
  prepare(args);
  selected = args.selected_coding;
  if (current !== null && !turns.has(current)) current = null; // filtered away
  content.textContent = "";
  if (turns.size === 0) content.appendChild(el("div", "tc-empty", "Ingen turer å vise."));
  for (const t of turns.values()) content.appendChild(drawTurn(t));
  scroller.scrollTop = top;
  layoutAll();
  // the focused element (a stripe label, the code filter) may have gone with the old drawing:
  // the pane takes the focus back, so the keys keep working after a coding
  if (hadFocus && !root.contains(document.activeElement)) scroller.focus({ preventScroll: true });
}

/** The frame has the focus and it is in the component (not only "last focused" in a frame the
 *  user has left: taking the focus back then would steal it from the page around). */
function hasFocusInside(): boolean {
  const active = document.activeElement;
  return document.hasFocus() && (!active || active === document.body || root.contains(active));
}

function drawTurn(t: TurnView): HTMLElement {
  const box = el("section", "tc-turn");
  box.dataset.turn = String(t.turn);
  if (t.turn === current) {
    box.classList.add("tc-current");
    box.setAttribute("aria-current", "true");
  }
  const head = el("div", "tc-head");
  head.title = `Velg tur ${t.turn} og åpne kodelisten for hele turen (tastatur: Enter)`;
  head.addEventListener("click", (ev) => {
    if (!elementOf(ev.target as Node)?.closest("button")) chooseTurn(t.turn);
  });
  head.appendChild(el("span", "tc-no", `[${t.turn}]`));
  if (t.speaker) head.appendChild(el("span", "tc-speaker", t.speaker));
  const meta = [t.actor, t.position].filter((x) => x);
  if (meta.length) head.appendChild(el("span", "tc-meta", (t.speaker ? " · " : "") + meta.join(" · ")));
  if (t.playable) {
    const play = el("button", "tc-play", "▶ Spill av");
    play.type = "button";
    play.title = `Spill av lyden fra tur ${t.turn}`;
    play.addEventListener("click", () => emit({ type: "play", turn: t.turn }));
    head.appendChild(play);
  }
  const body = el("div", "tc-body");
  const text = el("div", "tc-text");
  text.dataset.turn = String(t.turn);
  drawText(text, t);
  const gutter = el("div", "tc-gutter");
  body.append(text, gutter);
  box.append(head, body);
  if (t.suggestions.length) box.appendChild(drawSuggestions(t));
  return box;
}

/** The turn's text split at every boundary of a coding, a suggestion, its evidence and the
 *  pending selection; each piece knows what covers it. */
function drawText(textEl: HTMLElement, t: TurnView): void {
  textEl.textContent = "";
  const text = t.text;
  const cuts = new Set<number>([0, text.length]);
  for (const c of t.codings) cuts.add(c.us).add(c.ue);
  for (const s of t.suggestions) {
    cuts.add(s.us).add(s.ue);
    for (const [a, b] of s.ev) cuts.add(a).add(b);
  }
  const pend = pending && pending.turn === t.turn ? pending : null;
  if (pend) cuts.add(pend.us).add(pend.ue);
  const sel = t.codings.find((c) => c.id === selected) || null;
  const points = [...cuts].sort((a, b) => a - b);
  let wrap: HTMLElement | null = null;
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i];
    const b = points[i + 1];
    const piece = text.slice(a, b);
    const covering = t.codings.filter((c) => c.us <= a && c.ue >= b);
    const evidence = t.suggestions.filter((s) => s.ev.some(([x, y]) => x <= a && y >= b));
    const suggested = t.suggestions.filter((s) => s.us <= a && s.ue >= b);
    const isPending = pend !== null && pend.us <= a && pend.ue >= b;
    let node: Node;
    if (!covering.length && !evidence.length && !suggested.length && !isPending) {
      node = document.createTextNode(piece);
    } else {
      const seg = el("span", "tc-seg", piece);
      if (covering.length) {
        seg.classList.add("tc-coded");
        seg.dataset.codings = covering.map((c) => c.id).join(" ");
        seg.title = covering.map((c) => `${c.label} (${c.coder})`).join("\n");
        const images: string[] = [];
        const sizes: string[] = [];
        const places: string[] = [];
        const deepest = Math.max(...covering.map((c) => c.level));
        for (const c of covering) { // one underline per coding, at the coding's own level
          images.push(`linear-gradient(${c.color}, ${c.color})`);
          sizes.push("100% 2px");
          places.push(`0 calc(100% - ${c.level * 3}px)`);
        }
        for (const c of covering) { // and translucent fills that blend where codings overlap
          const fill = rgba(c.color, covering.length > 1 ? 0.13 : 0.18);
          images.push(`linear-gradient(${fill}, ${fill})`);
          sizes.push("100% 100%");
          places.push("0 0");
        }
        seg.style.backgroundImage = images.join(", ");
        seg.style.backgroundSize = sizes.join(", ");
        seg.style.backgroundPosition = places.join(", ");
        seg.style.paddingBottom = `${1 + deepest * 3}px`;
      }
      if (evidence.length) {
        seg.classList.add("tc-evidence");
        seg.style.textDecorationColor = evidence[0].color;
      }
      if (suggested.length) seg.dataset.suggs = suggested.map((s) => s.id).join(" ");
      if (evidence.length) seg.dataset.evidence = evidence.map((s) => s.id).join(" ");
      if (isPending) seg.classList.add("tc-pending");
      node = seg;
    }
    if (sel && !sel.whole && sel.us <= a && sel.ue >= b) {
      if (!wrap) {
        wrap = el("span", "tc-selwrap");
        wrap.style.setProperty("--c", sel.color);
        textEl.appendChild(wrap);
      }
      wrap.appendChild(node);
    } else {
      wrap = null;
      textEl.appendChild(node);
    }
  }
  textEl.classList.toggle("tc-whole-selected", !!sel && sel.whole);
  if (sel && sel.whole) textEl.style.setProperty("--c", sel.color);
}

function drawSuggestions(t: TurnView): HTMLElement {
  const box = el("div", "tc-suggs");
  for (const s of t.suggestions) {
    const chip = el("div", "tc-sugg");
    chip.dataset.sugg = String(s.id);
    chip.style.setProperty("--c", s.color);
    chip.title = `Metode: ${s.method || "ukjent"} · kode ${s.code}` +
      (s.start === null ? " · hele turen" : ` · tegn ${s.start}–${s.end}`);
    chip.appendChild(el("span", "tc-dot"));
    const what = el("span", "tc-sugg-text", "Forslag: ");
    what.appendChild(el("strong", undefined, s.label));
    what.appendChild(document.createTextNode(` · ${decimal(s.score)}`));
    chip.appendChild(what);
    if (s.quality) chip.appendChild(el("span", "tc-sugg-quality", s.quality));
    const accept = el("button", "tc-accept", "Godta");
    const reject = el("button", "tc-reject", "Avvis");
    for (const [button, type] of [[accept, "accept"], [reject, "reject"]] as const) {
      button.type = "button";
      button.addEventListener("click", () => {
        accept.disabled = reject.disabled = true;
        emit({ type, suggestion: s.id });
      });
    }
    chip.append(accept, reject);
    chip.addEventListener("mouseenter", () => hotSuggestion(t.turn, s.id, true));
    chip.addEventListener("mouseleave", () => hotSuggestion(t.turn, s.id, false));
    box.appendChild(chip);
  }
  return box;
}

function turnBox(turn: number): HTMLElement | null {
  return content.querySelector(`.tc-turn[data-turn="${turn}"]`);
}

function hotSuggestion(turn: number, id: number, on: boolean): void {
  const box = turnBox(turn);
  const t = turns.get(turn);
  const s = t && t.suggestions.find((x) => x.id === id);
  if (!box || !s) return;
  // the span it suggests (the whole text: a dashed frame), its evidence a little stronger
  const whole = s.start === null;
  if (whole) box.querySelector(".tc-text")?.classList.toggle("tc-sugg-hot-all", on);
  else box.querySelectorAll(`[data-suggs~="${id}"]`).forEach((n) => n.classList.toggle("tc-sugg-hot", on));
  box.querySelectorAll(`[data-evidence~="${id}"]`).forEach((n) => n.classList.toggle("tc-ev-hot", on));
}

function hotCoding(turn: number, id: number, on: boolean): void {
  const box = turnBox(turn);
  if (!box) return;
  box.querySelectorAll(`[data-codings~="${id}"], .tc-gutter [data-coding="${id}"]`).forEach((n) => n.classList.toggle("tc-hot", on));
}

// ---- coding stripes ---------------------------------------------------------------------------
/** The DOM position of UTF-16 offset ``unit`` inside a turn's text element. */
function pointAt(textEl: HTMLElement, unit: number): [Node, number] {
  const walker = document.createTreeWalker(textEl, NodeFilter.SHOW_TEXT);
  let seen = 0;
  let last: Text | null = null;
  for (let n = walker.nextNode() as Text | null; n; n = walker.nextNode() as Text | null) {
    if (unit <= seen + n.data.length) return [n, unit - seen];
    seen += n.data.length;
    last = n;
  }
  return last ? [last, last.data.length] : [textEl, 0];
}

function layoutAll(): void {
  for (const box of content.querySelectorAll<HTMLElement>(".tc-turn")) layoutStripes(box);
}

/** One bar per coding against the lines it covers (lanes side by side where they overlap), and
 *  its label to the right, pushed down where labels would collide. */
function layoutStripes(box: HTMLElement): void {
  const t = turns.get(Number(box.dataset.turn));
  const textEl = box.querySelector<HTMLElement>(".tc-text");
  const gutter = box.querySelector<HTMLElement>(".tc-gutter");
  if (!t || !textEl || !gutter) return;
  gutter.textContent = "";
  if (!t.codings.length) {
    gutter.style.height = "";
    return;
  }
  const origin = textEl.getBoundingClientRect();
  const items = t.codings.map((c) => {
    let top = 0;
    let bottom = origin.height;
    if (!c.whole) {
      const range = document.createRange();
      range.setStart(...pointAt(textEl, c.us));
      range.setEnd(...pointAt(textEl, c.ue));
      const rects = [...range.getClientRects()].filter((r) => r.height > 0);
      const all = rects.length ? rects : [range.getBoundingClientRect()];
      top = Math.min(...all.map((r) => r.top)) - origin.top;
      bottom = Math.max(...all.map((r) => r.bottom)) - origin.top;
      if (bottom - top < 12) bottom = top + 18;
    }
    return { c, top, bottom, lane: 0 };
  });
  items.sort((a, b) => a.top - b.top || (b.bottom - b.top) - (a.bottom - a.top) || a.c.id - b.c.id);
  const laneEnds: number[] = [];
  for (const it of items) {
    let lane = laneEnds.findIndex((end) => end <= it.top + 1);
    if (lane < 0) lane = laneEnds.push(0) - 1;
    laneEnds[lane] = it.bottom;
    it.lane = lane;
  }
  const labelX = laneEnds.length * 7 + 4;
  let nextFree = 0;
  let height = origin.height;
  for (const it of items) {
    const c = it.c;
    const isSelected = c.id === selected;
    const title = `${c.label} (${c.code}) · koder: ${c.coder}` + (c.whole ? " · hele turen" : ` · tegn ${c.start}–${c.end}`);
    const bar = el("div", "tc-bar" + (isSelected ? " tc-selected" : ""));
    bar.dataset.coding = String(c.id);
    bar.title = title;
    Object.assign(bar.style, { left: `${it.lane * 7}px`, top: `${it.top}px`, height: `${it.bottom - it.top}px`, background: c.color });
    const label = el("div", "tc-label" + (isSelected ? " tc-selected" : ""));
    label.dataset.coding = String(c.id);
    label.title = title;
    label.tabIndex = 0;
    label.setAttribute("role", "button");
    label.style.setProperty("--c", c.color);
    label.style.background = rgba(c.color, isSelected ? 0.22 : 0.12);
    const name = el("span", "tc-label-name", c.label);
    const coder = el("span", "tc-label-coder", ` · ${c.coder}`);
    label.append(name, coder);
    if (isSelected) {
      const remove = el("button", "tc-remove", "Fjern");
      remove.type = "button";
      remove.title = `Fjern kodingen «${c.label}» (${c.coder})`;
      remove.addEventListener("click", (ev) => {
        ev.stopPropagation();
        remove.disabled = true;
        emit({ type: "remove", coding: c.id });
      });
      label.appendChild(remove);
    }
    const top = Math.max(it.top, nextFree);
    Object.assign(label.style, { left: `${labelX}px`, top: `${top}px` });
    for (const part of [bar, label]) {
      part.addEventListener("click", () => emit({ type: "select", coding: c.id }));
      part.addEventListener("mouseenter", () => hotCoding(t.turn, c.id, true));
      part.addEventListener("mouseleave", () => hotCoding(t.turn, c.id, false));
    }
    label.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" || ev.key === " ") {
        ev.preventDefault();
        emit({ type: "select", coding: c.id });
      }
    });
    gutter.append(bar, label);
    nextFree = top + label.offsetHeight + 3;
    height = Math.max(height, it.bottom, nextFree);
  }
  gutter.style.height = `${Math.ceil(height)}px`;
}

// ---- selecting text and the code picker -------------------------------------------------------
function elementOf(node: Node | null): Element | null {
  if (!node) return null;
  return node.nodeType === Node.ELEMENT_NODE ? (node as Element) : node.parentElement;
}

/** UTF-16 offset of a DOM point inside a turn's text element. */
function unitOffset(textEl: HTMLElement, node: Node, offset: number): number {
  const range = document.createRange();
  range.setStart(textEl, 0);
  range.setEnd(node, offset);
  return range.toString().length;
}

function takeSelection(): void {
  if (popup) return;
  const sel = window.getSelection();
  if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return;
  const anchor = elementOf(sel.anchorNode);
  const textEl = anchor ? anchor.closest<HTMLElement>(".tc-text") : null;
  if (!textEl) {
    if (anchor && anchor.closest(".tc-head")) setStatus("Marker i teksten til turen, ikke i overskriften.", true);
    return;
  }
  const t = turns.get(Number(textEl.dataset.turn));
  if (!t) return;
  const range = sel.getRangeAt(0);
  const inStart = textEl.contains(range.startContainer);
  const inEnd = textEl.contains(range.endContainer);
  // a selection that runs into another turn is clipped to the turn where it started
  let s = inStart ? unitOffset(textEl, range.startContainer, range.startOffset) : 0;
  let e = inEnd ? unitOffset(textEl, range.endContainer, range.endOffset) : t.text.length;
  const clipped = (!inStart || !inEnd) && range.toString().trim() !== t.text.slice(s, e).trim();
  [s, e] = trimRange(t.text, s, e);
  if (s >= e) return;
  const cs = unitToCp(t.text, s);
  const ce = unitToCp(t.text, e, true);
  const us = cpToUnit(t.text, cs);
  const ue = cpToUnit(t.text, ce);
  sel.removeAllRanges();
  openPopup({ turn: t.turn, us, ue, cs, ce, text: t.text.slice(us, ue) },
    clipped ? `Markeringen gikk over flere turer; bare teksten i tur [${t.turn}] er tatt med.` : "");
}

function redrawText(turn: number): void {
  const t = turns.get(turn);
  const textEl = turnBox(turn)?.querySelector<HTMLElement>(".tc-text");
  if (t && textEl) drawText(textEl, t);
}

function openPopup(p: Pending, hint: string): void {
  pending = p;
  redrawText(p.turn);
  const box = el("div", "tc-popup");
  box.setAttribute("role", "dialog");
  box.setAttribute("aria-label", "Velg kode");
  if (hint) box.appendChild(el("div", "tc-popup-hint", hint));
  const quote = p.text.length > 90 ? `${p.text.slice(0, 60)} … ${p.text.slice(-24)}` : p.text;
  box.appendChild(el("div", "tc-popup-quote", `«${quote}»`));
  const input = el("input", "tc-filter");
  input.type = "text";
  input.placeholder = "Skriv for å finne en kode …";
  input.setAttribute("aria-label", "Finn kode");
  input.autocomplete = "off";
  input.spellcheck = false;
  const list = el("ul", "tc-codes");
  list.setAttribute("role", "listbox");
  box.append(input, list, el("div", "tc-popup-keys", "↑↓ velg · Enter koder · Esc lukker"));
  content.appendChild(box);
  popup = { el: box, input, list, matches: [], active: 0, above: null };
  input.addEventListener("input", () => filterCodes());
  input.addEventListener("keydown", onPopupKey);
  filterCodes();
  placePopup();
  input.focus({ preventScroll: true });
  setStatus(hint || HINT, !!hint);
}

function placePopup(keepSide = false): void {
  if (!popup || !pending) return;
  const marks = turnBox(pending.turn)?.querySelectorAll(".tc-pending");
  const rects = marks ? [...marks].flatMap((m) => [...m.getClientRects()]) : [];
  const base = content.getBoundingClientRect();
  const view = scroller.getBoundingClientRect();
  const width = Math.min(300, base.width - 8);
  popup.el.style.width = `${width}px`;
  const first = rects[0];
  const last = rects[rects.length - 1];
  const anchor = last || first;
  let left = anchor ? anchor.left - base.left : 8;
  left = Math.max(4, Math.min(left, base.width - width - 4));
  const h = popup.el.offsetHeight;
  let top = anchor ? anchor.bottom - base.top + 6 : 8;
  // no room below within the box: above the selection; a popup already placed keeps its side, so
  // one above that shrinks while the user types keeps its bottom edge at the selection
  const above = keepSide && popup.above !== null ? popup.above
    : !!(first && anchor && anchor.bottom + 6 + h > view.bottom && first.top - h - 6 >= view.top);
  if (above && first) top = first.top - base.top - h - 6;
  popup.above = above && !!first;
  Object.assign(popup.el.style, { left: `${left}px`, top: `${top}px` });
  // keep it in sight
  const popTop = top + base.top - view.top + scroller.scrollTop;
  if (popTop + h > scroller.scrollTop + scroller.clientHeight) scroller.scrollTop = popTop + h - scroller.clientHeight + 6;
}

function fold(s: string): string {
  return s.toLocaleLowerCase("nb").normalize("NFC");
}

function filterCodes(): void {
  if (!popup) return;
  const q = fold(popup.input.value.trim());
  const hits = codes.filter((c) => !q || fold(c.label).includes(q) || fold(c.id).includes(q));
  // labels that start with the query first, codebook order otherwise
  const starts = (c: Code) => (q && (fold(c.label).startsWith(q) || fold(c.id).startsWith(q)) ? 0 : 1);
  popup.matches = hits.map((c, i) => [c, i] as const).sort((a, b) => starts(a[0]) - starts(b[0]) || a[1] - b[1]).map(([c]) => c);
  popup.active = 0;
  drawCodes();
  if (popup.above !== null) placePopup(true); // the list changed height
}

function drawCodes(): void {
  if (!popup) return;
  const { list, matches, active } = popup;
  list.textContent = "";
  if (!matches.length) {
    list.appendChild(el("li", "tc-none", codes.length ? "Ingen kode passer." : "Ingen koder å velge."));
    return;
  }
  matches.forEach((c, i) => {
    const item = el("li", "tc-code" + (i === active ? " tc-active" : ""));
    item.setAttribute("role", "option");
    item.setAttribute("aria-selected", String(i === active));
    item.dataset.code = c.id;
    const dot = el("span", "tc-dot");
    dot.style.background = c.color;
    item.append(dot, el("span", "tc-code-label", c.label), el("span", "tc-code-id", c.id));
    item.addEventListener("mousedown", (ev) => ev.preventDefault()); // keep the focus in the input
    item.addEventListener("click", () => applyCode(c));
    item.addEventListener("mousemove", () => {
      if (popup && popup.active !== i) {
        popup.active = i;
        drawCodes();
      }
    });
    list.appendChild(item);
  });
  // scroll the list only: scrollIntoView would scroll the text pane too, and before the popup is
  // placed (it starts at the end of the text) that threw the pane to the end of the source
  const item = list.children[active] as HTMLElement | undefined;
  if (item) {
    const r = item.getBoundingClientRect();
    const box = list.getBoundingClientRect();
    if (r.top < box.top) list.scrollTop -= box.top - r.top;
    else if (r.bottom > box.bottom) list.scrollTop += r.bottom - box.bottom;
  }
}

function onPopupKey(ev: KeyboardEvent): void {
  if (!popup) return;
  const n = popup.matches.length;
  if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
    ev.preventDefault();
    if (n) {
      popup.active = (popup.active + (ev.key === "ArrowDown" ? 1 : n - 1)) % n;
      drawCodes();
    }
  } else if (ev.key === "Enter") {
    ev.preventDefault();
    if (n) applyCode(popup.matches[popup.active]);
  } else if (ev.key === "Escape") {
    ev.preventDefault();
    closePopup(true);
  }
}

function applyCode(code: Code): void {
  if (!pending) return;
  const p = pending;
  emit({ type: "code", turn: p.turn, start: p.cs, end: p.ce, code: code.id, text: p.text });
  closePopup(true);
  setStatus(`Koder «${code.label}» på tur [${p.turn}] …`);
}

function closePopup(redraw: boolean): void {
  const turn = pending ? pending.turn : null;
  const refocus = !!popup && hasFocusInside() && popup.el.contains(document.activeElement);
  if (popup) popup.el.remove();
  if (refocus) scroller.focus({ preventScroll: true });
  popup = null;
  pending = null;
  if (redraw && turn !== null) redrawText(turn);
  setStatus(HINT);
}

// ---- events -----------------------------------------------------------------------------------
document.addEventListener("mousedown", (ev) => {
  if (popup && !popup.el.contains(ev.target as Node)) closePopup(true);
});
document.addEventListener("mouseup", (ev) => {
  if (popup && popup.el.contains(ev.target as Node)) return;
  window.setTimeout(takeSelection, 0); // let the browser finish the selection first
});
document.addEventListener("keyup", (ev) => {
  if (ev.shiftKey && !popup) takeSelection(); // a selection made with shift + arrows
});
// after a selection, typing goes to the code filter even if the focus has wandered
document.addEventListener("keydown", (ev) => {
  if (!popup || ev.target === popup.input) return;
  if (ev.key === "Escape") {
    ev.preventDefault(); // handled: the pane's own Escape (below) must not clear more
    closePopup(true);
  } else if (ev.key.length === 1 && !ev.ctrlKey && !ev.metaKey && !ev.altKey) {
    ev.preventDefault();
    popup.input.focus({ preventScroll: true });
    popup.input.value += ev.key;
    filterCodes();
  } else if (["ArrowDown", "ArrowUp", "Enter"].includes(ev.key)) {
    onPopupKey(ev);
  }
});
// a click (not a drag) on coded text selects the coding there; again: the next one under it
content.addEventListener("click", (ev) => {
  const box = elementOf(ev.target as Node)?.closest<HTMLElement>(".tc-turn");
  if (box && !popup) setCurrent(Number(box.dataset.turn), false); // the keys go on from here
  const seg = elementOf(ev.target as Node)?.closest<HTMLElement>(".tc-seg[data-codings]");
  const sel = window.getSelection();
  if (!seg || (sel && !sel.isCollapsed) || popup) return;
  const textEl = seg.closest<HTMLElement>(".tc-text");
  const t = textEl ? turns.get(Number(textEl.dataset.turn)) : undefined;
  if (!t) return;
  const ids = (seg.dataset.codings || "").split(" ").map(Number);
  const under = t.codings.filter((c) => ids.includes(c.id)).sort((a, b) => (a.ue - a.us) - (b.ue - b.us) || a.id - b.id);
  const at = under.findIndex((c) => c.id === selected);
  const pick = at >= 0 ? under[(at + 1) % under.length] : under[0];
  if (pick) emit({ type: "select", coding: pick.id });
});

// ---- the keyboard: moving between turns ---------------------------------------------------------
/** Mark ``turn`` as the current one (aria-current), and with ``reveal`` scroll it into view. */
function setCurrent(turn: number | null, reveal: boolean): void {
  if (current !== null) {
    const old = turnBox(current);
    old?.classList.remove("tc-current");
    old?.removeAttribute("aria-current");
  }
  current = turn !== null && turns.has(turn) ? turn : null;
  if (current === null) return;
  const box = turnBox(current);
  if (!box) return;
  box.classList.add("tc-current");
  box.setAttribute("aria-current", "true");
  if (reveal) revealTurn(box);
}

/** Scroll the pane (never the page: no scrollIntoView) so the turn is in view; a turn taller than
 *  the pane, or above it, shows from its top. */
function revealTurn(box: HTMLElement): void {
  const r = box.getBoundingClientRect();
  const v = scroller.getBoundingClientRect();
  if (r.top < v.top || r.height > v.height) scroller.scrollTop += r.top - v.top;
  else if (r.bottom > v.bottom) scroller.scrollTop += r.bottom - v.bottom;
}

/** The first turn still (partly) in view: where the keys start when no turn is current yet. */
function firstInView(): number | null {
  const v = scroller.getBoundingClientRect();
  for (const box of content.querySelectorAll<HTMLElement>(".tc-turn")) {
    if (box.getBoundingClientRect().bottom > v.top + 8) return Number(box.dataset.turn);
  }
  return null;
}

function moveCurrent(how: "next" | "previous" | "first" | "last"): void {
  const order = [...turns.keys()]; // the order they are drawn in
  if (!order.length) return;
  let at: number;
  if (how === "first") at = 0;
  else if (how === "last") at = order.length - 1;
  else if (current === null) at = Math.max(0, order.indexOf(firstInView() ?? order[0]));
  else at = Math.max(0, Math.min(order.length - 1, order.indexOf(current) + (how === "next" ? 1 : -1)));
  setCurrent(order[at], true);
}

/** What a click on a turn's heading does, and Enter on the current turn: tell Python the turn was
 *  chosen (the page's "Kod en hel tur" and its memo then show it) and open the code list for the
 *  whole turn in the pane, so a code typed and Enter code the turn. */
function chooseTurn(turn: number): void {
  const t = turns.get(turn);
  if (!t) return;
  closePopup(true);
  setCurrent(turn, true);
  emit({ type: "turn", turn });
  if (!t.text.trim()) return;
  openPopup({ turn, us: 0, ue: t.text.length, cs: 0, ce: unitToCp(t.text, t.text.length, true), text: t.text }, "");
  setStatus(`Tur [${turn}] er valgt: skriv en kode og trykk Enter for å kode hele turen, Esc lukker.`);
}

/** The focus is where text is typed: the keys are letters there, not commands. */
function typingIn(target: EventTarget | null): boolean {
  const node = target instanceof Element ? target : null;
  return !!node && (!!node.closest("input, textarea, select") || (node as HTMLElement).isContentEditable);
}

document.addEventListener("keydown", (ev) => {
  if (ev.defaultPrevented || popup || ev.ctrlKey || ev.metaKey || ev.altKey || typingIn(ev.target)) return;
  const target = ev.target instanceof Element ? ev.target : null;
  // a button or stripe label with the focus keeps its own Enter (and Space)
  const onControl = !!target && target !== scroller && !!target.closest("button, [role=button], a[href]");
  const sel = window.getSelection();
  const hasText = !!sel && !sel.isCollapsed;
  const key = ev.key;
  if (key === "j" || key === "k" || ((key === "ArrowDown" || key === "ArrowUp") && !ev.shiftKey && !hasText)) {
    moveCurrent(key === "j" || key === "ArrowDown" ? "next" : "previous");
  } else if ((key === "Home" || key === "End") && !ev.shiftKey) {
    moveCurrent(key === "Home" ? "first" : "last");
  } else if (key === "Enter" && !onControl && !ev.shiftKey) {
    const turn = current ?? firstInView();
    if (turn === null) return;
    chooseTurn(turn);
  } else if (key === "Escape") {
    if (hasText) sel!.removeAllRanges();
    else if (selected !== null) emit({ type: "select", coding: null }); // the page closes "Valgt koding"
    else return;
  } else {
    return;
  }
  ev.preventDefault();
  root.classList.add("tc-keyboard"); // show the focus ring even when the pane was focused by a click
  if (!root.contains(document.activeElement)) scroller.focus({ preventScroll: true });
});
document.addEventListener("mousedown", () => root.classList.remove("tc-keyboard"));

// text reflows when the frame's width changes: the stripes follow (their own height changes don't count)
let lastWidth = -1;
new ResizeObserver(() => {
  if (scroller.clientWidth === lastWidth) return;
  lastWidth = scroller.clientWidth;
  layoutAll();
  placePopup();
}).observe(scroller);
document.fonts?.ready.then(() => layoutAll());

function applyTheme(theme: RenderData["theme"]): void {
  if (!theme) return;
  const style = root.style;
  style.setProperty("--tc-text", theme.textColor);
  style.setProperty("--tc-bg", theme.backgroundColor);
  style.setProperty("--tc-bg2", theme.secondaryBackgroundColor);
  style.setProperty("--tc-primary", theme.primaryColor);
  if (theme.font) style.setProperty("--tc-font", theme.font);
  root.classList.toggle("tc-dark", theme.base === "dark");
}

function scrollToTurn(turn: number): void {
  const box = turnBox(turn);
  if (!box) return;
  scroller.scrollTop += box.getBoundingClientRect().top - scroller.getBoundingClientRect().top - 4;
}

function revealSelected(): void {
  const target = content.querySelector<HTMLElement>(".tc-selwrap, .tc-whole-selected, .tc-bar.tc-selected");
  if (!target) return;
  const r = target.getBoundingClientRect();
  const v = scroller.getBoundingClientRect();
  if (r.top < v.top || r.bottom > v.bottom) scroller.scrollTop += r.top - v.top - v.height / 3;
}

Streamlit.events.addEventListener(Streamlit.RENDER_EVENT, (event: Event) => {
  const data = (event as CustomEvent<RenderData>).detail;
  const args = data.args as Args;
  applyTheme(data.theme);
  const height = Math.max(120, Number(args.height) || 640);
  root.style.height = `${height}px`;
  const key = JSON.stringify([args.turns, args.codes, args.codings, args.suggestions, args.selected_coding]);
  if (key !== dataKey) {
    dataKey = key;
    render(args);
  }
  Streamlit.setFrameHeight(height);
  const scrollTo = args.scroll_to ?? null;
  if (scrollTo !== null && scrollTo !== lastScrollTo) {
    scrollToTurn(scrollTo);
    setCurrent(scrollTo, false); // "Gå til tur": the keys go on from that turn
  }
  lastScrollTo = scrollTo;
  if (selected !== null && selected !== lastSelected && scrollTo === null) revealSelected();
  lastSelected = selected;
});
Streamlit.setComponentReady();
