// dagrad's backprop explorer: one ES module for the Jupyter widget (anywidget) and the saved page.
//
// Python draws the whole picture (SVG) and hands over the timeline as JSON; this script only
// steps: it sets classes and numbers on the drawing, and writes the details and the chain-rule
// line. Every text it writes goes through textContent, never markup. The state of each step is
// computed here exactly as autograd/explore.py computes it (tests compare the two in a browser).
// It runs after common.js (real, num, el), which autograd/page.py puts before it.

const SPEEDS = { slow: 700, normal: 250, fast: 40 }; // ms per step while playing
const ROOM = 1.6; // the largest zoom at which a small graph is fitted
// The least zoom at which the drawing's smallest text (11 px) shows at 11 px or more: a graph or a
// neuron's card too big for the view at this zoom shows a part, the rest a drag or a scroll away.
const READABLE = 1;

// --- the timeline: what is known at each step ---------------------------------------------------

class Timeline {
  constructor(data) {
    const n = data.names.length;
    Object.assign(this, data);
    this.n = n;
    this.root = n - 1;
    this.data = data.data.map(real);
    this.partials = data.partials.map((ds) => ds.map(real));
    this.added = data.added.map((as) => as.map(real));
    this.firstBackward = 1 + data.forward.length;
    this.total = this.firstBackward + data.backward.length;
    this.appears = new Array(n).fill(0);
    data.forward.forEach((i, k) => (this.appears[i] = k + 1));
    this.passes = new Array(n).fill(Infinity);
    data.backward.forEach((i, k) => (this.passes[i] = this.firstBackward + k));
    this.boxOf = new Array(n).fill(-1); // the neuron box (group) each node is drawn in, or -1
    data.groups.forEach((g, k) => g.members.forEach((i) => (this.boxOf[i] = k)));
    this.consumers = Array.from({ length: n }, () => []);
    data.parents.forEach((ps, c) => new Set(ps).forEach((p) => this.consumers[p].push(c)));
    // The step at which a gradient is final: when its last consumer has passed (the root's own).
    this.final = this.consumers.map((cs, i) =>
      cs.length ? Math.max(...cs.map((c) => this.passes[c])) : this.passes[i] === Infinity ? 0 : this.passes[i]);
  }

  dataAt(i, k) {
    return this.appears[i] <= k ? this.data[i] : null; // as _Timeline.data_at
  }

  nodeAt(k) {
    if (k === 0) return null;
    return k < this.firstBackward ? this.forward[k - 1] : this.backward[k - this.firstBackward];
  }

  // [gradients at step k, each parent's gradient right after its term of step k]: accumulated in
  // the same order and with the same float operations as Python's (and so the same numbers, bit
  // for bit); null where none has arrived yet.
  gradsAt(k) {
    const g = new Array(this.n).fill(null);
    let after = [];
    for (let s = this.firstBackward; s <= k; s++) {
      const i = this.backward[s - this.firstBackward];
      if (i === this.root) g[i] = 1.0;
      after = this.parents[i].map((p, slot) => (g[p] = (g[p] === null ? 0.0 : g[p]) + this.added[i][slot]));
    }
    return [g, after];
  }

  // The nodes of op steps first..k (step 0 computes none): a coarse step's, or one op's.
  covered(k, first = k) {
    const out = [];
    for (let s = Math.max(1, first); s <= k; s++) out.push(this.nodeAt(s));
    return out;
  }

  states(k, first = k) {
    const backward = k >= this.firstBackward;
    const [grads, after] = backward ? this.gradsAt(k) : [null, []];
    const state = new Array(this.n);
    for (let i = 0; i < this.n; i++) {
      if (!backward) state[i] = this.appears[i] <= k ? "" : "s-pending";
      else state[i] = grads[i] === null ? "s-pending" : this.final[i] <= k ? "s-done" : "s-partial";
    }
    const covered = this.covered(k, first);
    for (const c of covered) for (const p of this.parents[c]) state[p] = backward ? "s-receiving" : "s-operand";
    for (const c of covered) state[c] = "s-current";
    return { state, grads, after, backward, current: this.nodeAt(k) };
  }

  // [class, passed] of the edges into `child` at step k, the step covering op steps first..k (as
  // explorer._Timeline.edge_state): the edges the step does not involve fade (s-idle).
  edgeState(child, k, first = k) {
    if (k < this.firstBackward) {
      if (this.appears[child] > k) return ["s-pending", false];
      return [first <= this.appears[child] ? "fwd s-active" : "fwd s-idle", false];
    }
    if (this.passes[child] > k) return ["s-idle", false];
    return ["back" + (first <= this.passes[child] ? " s-active" : " s-idle"), true];
  }

  // A coarse step's sentence (Python's words) with its nodes' numbers at step k, as explorer._fill.
  fill(line, k, grads) {
    return line.map((part) => {
      if (typeof part === "string") return part;
      const [field, nodes] = part;
      const shown = nodes.slice(0, this.listed).map((i) => num(field === "data" ? this.dataAt(i, k) : grads ? grads[i] : null));
      return nodes.length === 1 ? shown[0] : `[${shown.join(", ")}${nodes.length > this.listed ? ", …" : ""}]`;
    }).join("");
  }

  formula(i, show) {
    const op = this.ops[i];
    const args = this.parents[i].map(show);
    if (args.length === 2 && this.infix.includes(op)) return `${args[0]} ${op} ${args[1]}`; // Python's list: as notation.formula
    return `${op}(${args.join(", ")})`;
  }

  // The step's sentence, as str(step) in Python.
  describe(k, grads, after) {
    const i = this.nodeAt(k);
    const names = this.names;
    if (i === null) return `the leaves are given (${this.given}); the forward pass computes the rest`;
    if (k < this.firstBackward) {
      const name = (p) => names[p], value = (p) => num(this.data[p]);
      return `${names[i]} = ${this.formula(i, name)} = ${this.formula(i, value)} = ${num(this.data[i])}`;
    }
    const g = grads[i];
    if (!this.parents[i].length) return `${names[i]}.grad = ${num(g)}: the root is a leaf, nothing to pass on`;
    const terms = this.parents[i].map((p, s) =>
      `${names[p]}.grad += (∂${names[i]}/∂${names[p]} = ${num(this.partials[i][s])}) × ${num(g)} = ${num(this.added[i][s])}` +
      ` → ${names[p]}.grad = ${num(after[s])}`);
    return `${names[i]}.grad = ${num(g)} is final; it passes on: ${terms.join("; ")}`;
  }
}

// --- the view ----------------------------------------------------------------------------------

class View {
  constructor(root, svg, data, { keysOn, onStep }) {
    this.t = new Timeline(data);
    this.svg = svg;
    this.moved = svg.querySelector("g.dx-pan"); // what pan and zoom move
    this.onStep = onStep;
    this.step = -1;
    this.selected = null;
    this.timer = null;
    this.build(root, keysOn);
    this.index();
    this.setBy(this.t.stops[data.by] ? data.by : "op", Math.min(Math.max(0, data.step || 0), this.t.total - 1));
    requestAnimationFrame(() => {
      this.fit(undefined, "middle");
      this.ready = performance.now(); // drawn and ready: what `make bench` reports as first paint
    });
    // A notebook lays the widget out after it is made, and windows resize: fit again whenever the
    // view changes size, until the learner pans or zooms.
    if (globalThis.ResizeObserver) new ResizeObserver(() => this.fitted && this.fit(this.fitted.box, this.fitted.readable)).observe(this.viewport);
  }

  build(root, keysOn) {
    const t = this.t;
    this.phase = el("span", { class: "dx-phase" });
    this.counter = el("span", { class: "dx-counter" });
    this.status = el("div", { class: "dx-status", "aria-live": "polite" });
    this.slider = el("input", { type: "range", min: "0", max: String(t.total - 1), value: "0", "aria-label": "step",
      class: "dx-slider", oninput: () => this.move(Number(this.slider.value)) });
    this.playButton = el("button", { type: "button", class: "dx-play", title: "play / pause (space)", onclick: () => this.toggle() });
    this.speed = el("select", { class: "dx-speed", "aria-label": "speed" },
      ...Object.keys(SPEEDS).map((s) => el("option", { value: s, text: s })));
    this.speed.addEventListener("change", () => this.timer && (this.stop(), this.toggle()));
    const button = (text, title, fn, cls = "") => el("button", { type: "button", title, class: cls, onclick: fn, text });
    // Step by op, by neuron, by layer (a network) or by depth (any other graph): Python's coarse timelines.
    const offered = ["op", ...Object.keys(t.stops)];
    const titles = { op: "one op a step", neuron: "one neuron a step", layer: "one layer a step: the notes' equations",
      depth: "the nodes at one distance from the root, a step" };
    this.byButtons = offered.map((by) => button(by, titles[by], () => this.setBy(by), "dx-by-" + by));
    const byControl = el("span", { class: "dx-by", role: "group", "aria-label": "step by" }, el("span", { text: "step by:" }),
      ...this.byButtons.flatMap((b, k) => (k ? [el("span", { class: "dx-dot", text: "·" }), b] : [b])));
    this.side = el("aside", { class: "dx-side" });
    this.viewport = el("div", { class: "dx-view" });
    this.viewport.append(this.svg);
    const zoom = el("div", { class: "dx-zoom" },
      button("+", "zoom in", () => this.zoom(1 / 1.4)), button("−", "zoom out", () => this.zoom(1.4)),
      button("fit", "fit the whole graph", () => this.fit()));
    this.viewport.append(zoom);
    const legend = el("div", { class: "dx-legend" }, ...[
      ["k-leaf", "input"], ["k-param", "parameter"], ["k-const", "constant"], ["k-root", "root"],
      ["s-current", "this step"], ["s-receiving", "operands / receiving"], ["s-partial", "collecting (not final)"], ["s-done", "gradient final"],
      ["edge-pos", "+ gradient"], ["edge-neg", "− gradient"], ["edge-zero", "zero"], ["edge-nan", "nan"],
    ].map(([cls, label]) => el("span", { class: "dx-key" }, el("i", { class: cls }), label)));
    root.replaceChildren(
      el("header", { class: "dx-head" }, el("h1", { text: t.title }), this.phase, legend),
      el("div", { class: "dx-main" }, this.viewport, this.side),
      el("div", { class: "dx-controls" },
        byControl,
        button("⇤", "first step (Home)", () => this.move(0)),
        button("◀", "previous step (←)", () => this.prev(), "dx-prev"),
        this.playButton,
        button("▶", "next step (→)", () => this.next(), "dx-next"),
        button("⇥", "last step (End)", () => this.move(this.count() - 1)),
        button("backward ↦", "jump to the start of the backward pass", () => this.go(this.cover(t.firstBackward)), "dx-jump"),
        this.slider, this.counter, this.speed),
      this.status);
    this.pan();
    this.svg.addEventListener("click", (e) => this.click(e));
    keysOn.addEventListener("keydown", (e) => this.key(e));
  }

  // The elements the steps change, in parts: those outside the neurons' open views, then one part
  // per view. Speed: a closed view is not painted (a 5,000-Value graph keeps nearly all its nodes
  // there); it is painted when it opens. Each item remembers what was last written, so a step
  // writes to the DOM only what changed.
  index() {
    const parts = [];
    const part = (root, inside) => {
      const within = (e) => inside || !e.closest("[data-inset]");
      const all = (sel) => [...root.querySelectorAll(sel)].filter(within);
      return {
        nodes: all("[data-node]").map((e) => ({ e, i: Number(e.dataset.node), base: e.getAttribute("class").replace(/ s-\S+/g, ""), last: null })),
        numbers: all("tspan[data-n]").map((e) => ({ e, i: Number(e.dataset.n), f: e.dataset.f, last: undefined })),
        edges: all("path[data-e]").map((e) => ({ e, es: e.dataset.e.split(" ").map(Number), last: null, width: null })),
      };
    };
    parts.push(part(this.svg, false));
    this.insets = [...this.svg.querySelectorAll("[data-inset]")];
    for (const inset of this.insets) parts.push(part(inset, true));
    this.parts = parts;
    this.groups = [...this.svg.querySelectorAll("[data-group]")].map((e) => ({ e, g: this.t.groups[Number(e.dataset.group)],
      base: e.getAttribute("class").replace(/ s-\S+/g, ""), last: null }));
    this.unitOf = new Array(this.t.n).fill(null); // what the picture shows of each node: its box, or its neuron's
    for (const e of this.svg.querySelectorAll("g.units > [data-node]")) this.unitOf[Number(e.dataset.node)] = e;
    for (const item of this.groups) for (const i of item.g.members) this.unitOf[i] = item.e;
  }

  paint(part) {
    const t = this.t, k = this.step, state = this.state, grads = this.grads, backward = k >= t.firstBackward;
    for (const item of part.nodes) {
      const cls = state[item.i] ? `${item.base} ${state[item.i]}` : item.base;
      if (item.last !== cls) item.e.setAttribute("class", (item.last = cls));
    }
    for (const item of part.numbers) {
      const i = item.i;
      const v = item.f === "data" ? t.dataAt(i, k) : backward ? grads[i] : null;
      if (item.last !== v) {
        item.last = v;
        item.e.textContent = num(v);
        item.e.dataset.value = v === null ? "" : Object.is(v, -0) ? "-0" : String(v); // exact, -0 too
      }
    }
    for (const item of part.edges) {
      const es = item.es;
      let [cls, passed] = t.edgeState(t.edges[es[0]][0], k, this.first);
      let width = "";
      if (passed) {
        let total = 0, widest = 0;
        for (const x of es) {
          total += t.added[t.edges[x][0]][t.edges[x][1]];
          widest = Math.max(widest, t.widths[x]);
        }
        cls += total > 0 ? " pos" : total < 0 ? " neg" : total === 0 ? " zero" : " nan";
        width = `stroke-width:${widest}px`;
      }
      cls = ("edge " + cls).trim();
      if (item.last !== cls) item.e.setAttribute("class", (item.last = cls));
      if (item.width !== width) {
        item.width = width;
        width ? item.e.setAttribute("style", width) : item.e.removeAttribute("style");
      }
    }
  }

  // --- the granularity: op steps, or Python's coarse steps, each the state at the end of a run of op steps ---
  setBy(by, k = this.step) {
    const t = this.t;
    this.by = by;
    this.ends = by === "op" ? null : t.stops[by].map((s) => s[0]); // each coarse step's last op step
    this.byButtons.forEach((b) => b.setAttribute("aria-pressed", String(b.textContent === by)));
    const forward = this.ends ? this.ends.filter((e) => e < t.firstBackward).length : t.firstBackward;
    this.slider.max = String(this.count() - 1);
    this.speed.value = this.count() > 300 ? "fast" : this.count() > 30 ? "normal" : "slow"; // a layer's line takes reading
    this.slider.style.setProperty("--split", `${(100 * forward) / this.count()}%`);
    this.step = -1; // repaint: the same op step may be drawn as a different span
    this.go(this.cover(Math.max(0, k)));
    if (this.onBy) this.onBy(by);
  }

  count() {
    return this.ends ? this.ends.length : this.t.total;
  }

  // The position of the step covering op step k (the first coarse step ending at or after it).
  position(k) {
    if (!this.ends) return k;
    let lo = 0, hi = this.ends.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ends[mid] < k) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  cover(k) {
    return this.ends ? this.ends[this.position(k)] : k; // the last op step of the step covering op step k
  }

  move(j) {
    j = Math.min(Math.max(0, j), this.count() - 1);
    this.go(this.ends ? this.ends[j] : j);
  }

  next() {
    const j = this.position(this.step);
    this.move(this.ends && this.ends[j] > this.step ? j : j + 1);
  }

  prev() {
    this.move(this.position(this.step) - 1);
  }

  // "#step=12" (op step 12, from 1) or "#step=layer:3" (the third step by layer): a link to this step.
  anchor() {
    const j = this.position(this.step);
    return this.ends && this.ends[j] === this.step ? `${this.by}:${j + 1}` : String(this.step + 1);
  }

  go(k) {
    const t = this.t;
    k = Math.min(Math.max(0, k), t.total - 1);
    if (k === this.step) return;
    this.step = k;
    // A coarse step covers op steps first..k; an op step (or a step between coarse ones) covers k alone.
    const j = this.position(k), coarse = this.ends && this.ends[j] === k;
    const first = coarse ? (j ? this.ends[j - 1] + 1 : 0) : k;
    this.first = first;
    const { state, grads, after, backward, current } = t.states(k, first);
    this.state = state;
    this.grads = grads;
    this.paint(this.parts[0]);
    this.insets.forEach((inset, g) => inset.classList.contains("open") && this.paint(this.parts[g + 1]));
    for (const item of this.groups) {
      const g = item.g;
      let s = "";
      for (const i of g.members) {
        const m = state[i];
        if (m === "s-current") { s = m; break; }
        if ((m === "s-receiving" || m === "s-operand") && !s) s = m;
      }
      if (!s) {  // as explorer._group_box: waiting for its output, or as far as its δ (z's gradient) is
        const z = state[g.z], out = state[g.out];
        s = out === "s-pending" ? "s-pending" : z === "s-done" ? "s-done" : z === "s-partial" || z === "s-pending" ? "s-partial" : "";
      }
      const cls = item.base + (s ? " " + s : "");
      if (item.last !== cls) item.e.setAttribute("class", (item.last = cls));
    }
    this.slider.value = String(j);
    this.phase.textContent = backward ? "backward pass" : "forward pass";
    this.phase.className = "dx-phase " + (backward ? "back" : "fwd");
    const within = backward ? `backward ${k - t.firstBackward + 1} of ${t.backward.length}` : `forward ${k + 1} of ${t.firstBackward}`;
    this.counter.textContent = coarse
      ? `${this.by} ${j + 1} / ${this.ends.length} · ${first === k ? `op step ${k + 1}` : `op steps ${first + 1}–${k + 1}`} of ${t.total}`
      : `step ${k + 1} / ${t.total} · ${within}`;
    this.after = after;
    this.coarseLine = coarse ? t.stops[this.by][j][1] : null;  // a coarse step's own sentence (layer, neuron, depth)
    this.line();
    this.status.dataset.step = String(k);
    if (current !== null && (!this.selected || this.following)) this.select({ node: current }, true);
    else this.details();
    this.reveal(current);
    if (this.onStep) this.onStep(k, this.anchor());
  }

  format(x) {
    return num(x);
  }

  // The status line: the step's sentence (as str(step) in Python), after where its nodes are.
  line() {
    const t = this.t, current = t.nodeAt(this.step);
    if (this.coarseLine) return void (this.status.textContent = t.fill(this.coarseLine, this.step, this.grads));
    this.status.textContent = this.where(current === null ? [] : [current, ...t.parents[current]]) +
      t.describe(this.step, this.grads, this.after);
  }

  // Nodes the picture does not show (inside a closed box; the box's face shows only z and a) are
  // never named without their box: "inside neuron 3 · layer 2: …" names the boxes holding any of `nodes`.
  where(nodes) {
    const boxes = [...this.hidden(nodes).keys()];
    return boxes.length ? `inside ${boxes.join(" and ")}: ` : "";
  }

  // Map: each closed box's name -> the nodes of `nodes` it hides (not z or a, which its face shows).
  hidden(nodes) {
    const t = this.t, boxes = new Map();
    for (const i of nodes) {
      const b = t.boxOf[i], g = t.groups[b];
      if (b < 0 || i === g.z || i === g.out || this.insets[b].classList.contains("open")) continue;
      if (!boxes.has(g.name)) boxes.set(g.name, []);
      if (!boxes.get(g.name).includes(i)) boxes.get(g.name).push(i);
    }
    return boxes;
  }

  toggle() {
    if (this.timer) return this.stop();
    if (this.step >= this.t.total - 1) this.move(0);
    this.playButton.classList.add("on");
    this.timer = setInterval(() => (this.step >= this.t.total - 1 ? this.stop() : this.next()), SPEEDS[this.speed.value]);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    this.playButton.classList.remove("on");
  }

  key(e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return; // browser and notebook shortcuts stay theirs
    const box = e.target.closest && e.target.closest("[data-group]");
    const open = this.insets.some((i) => i.classList.contains("open"));
    const actions = {
      ArrowRight: () => this.next(), ArrowLeft: () => this.prev(),
      Home: () => this.move(0), End: () => this.move(this.count() - 1),
      " ": () => (box ? this.open(Number(box.dataset.group)) : this.toggle()),
      Enter: box ? () => this.open(Number(box.dataset.group)) : null,
      Escape: open || this.selected ? () => (this.close(), this.follow()) : null, // else the notebook's Escape
    };
    const act = actions[e.key];
    if (!act || e.target.tagName === "SELECT" || e.target.tagName === "INPUT" && e.target.type !== "range") return;
    e.preventDefault();
    e.stopPropagation(); // in Jupyter: the notebook never sees a key the explorer used
    act();
  }

  // Clicking a node jumps to its step in the current phase; clicking a neuron opens it.
  click(e) {
    const close = e.target.closest("[data-close]");
    if (close) return this.close();
    const node = e.target.closest("[data-node]");
    if (node) {
      const i = Number(node.dataset.node), t = this.t;
      this.select({ node: i }, false);
      const inForward = this.step < t.firstBackward;
      this.go(this.cover(inForward ? t.appears[i] : t.parents[i].length ? t.passes[i] : t.final[i]));
      return;
    }
    const group = e.target.closest("[data-group]");
    if (group) return this.open(Number(group.dataset.group));
    this.follow(); // the background: back to following the current step
  }

  follow() {
    const current = this.t.nodeAt(this.step);
    this.select(current === null ? null : { node: current }, true);
  }

  open(g) {
    const inset = this.insets[g];
    if (!inset) return;
    const wasOpen = inset.classList.contains("open");
    this.close();
    if (wasOpen) return;
    this.paint(this.parts[g + 1]);
    this.before = { ...this.view, fitted: this.fitted };
    inset.classList.add("open");
    this.svg.classList.add("dx-dim");
    this.line();
    this.select({ group: g }, false);
    this.fit(inset.querySelector("rect.card").getBBox(), "top");
  }

  close() {
    const open = this.insets.filter((i) => i.classList.contains("open"));
    open.forEach((i) => i.classList.remove("open"));
    this.svg.classList.remove("dx-dim");
    if (open.length) { // what was shown inside is hidden again
      this.line();
      this.details();
    }
    if (open.length && this.before) { // back to the view the learner had
      const { fitted, ...view } = this.before;
      this.view = view;
      this.fitted = fitted;
      this.apply();
    }
  }

  select(what, following) {
    this.selected = what;
    this.following = following;
    this.details();
  }

  // The details panel: a node's numbers and the chain rule into it, or a neuron's parameters.
  details() {
    const t = this.t, k = this.step, sel = this.selected;
    const rows = [];
    const row = (label, value, cls = "") => rows.push(el("tr", { class: cls }, el("th", { text: label }), el("td", { text: value })));
    const value = (i) => t.dataAt(i, k);
    const grad = (i) => (this.grads ? this.grads[i] : null);
    if (!sel) {
      this.side.replaceChildren(el("p", { class: "dx-hint", text: "Click a node to see its numbers; click a neuron to open it. Step with ← →." }));
      return;
    }
    if (sel.group !== undefined) {
      const g = t.groups[sel.group];
      const head = el("h2", { text: g.name });
      for (const i of g.members.filter((i) => !t.parents[i].length || i === g.z || i === g.out)) {
        row(t.names[i], `${num(value(i))}   grad ${num(grad(i))}`, t.kinds[i]);
      }
      const notes = g.name.startsWith("neuron")
        ? [el("p", { class: "dx-note", text: `grad of ${t.names[g.z]} is the notes' δ = ∂C/∂z; each weight's grad is δ × its input.` })]
        : [];
      this.side.replaceChildren(head, el("table", {}, ...rows), ...notes);
      return;
    }
    const i = sel.node;
    row("data", num(value(i)));
    row("grad", num(grad(i)));
    const what = { const: "a constant (a number the engine wrapped)", param: "a parameter (a leaf)", leaf: "an input (a leaf)",
      root: "the root (a leaf)" };
    row("op", t.parents[i].length ? `${t.names[i]} = ${t.formula(i, (p) => t.names[p])}` : what[t.kinds[i]]);
    if (i === t.root) row("seed", `∂${t.names[i]}/∂${t.names[i]} = 1.0: where the backward pass starts`);
    const twice = t.parents[i].length === 2 && t.parents[i][0] === t.parents[i][1];
    const parents = t.parents[i].map((p, s) =>
      el("li", { text: `∂${t.names[i]}/∂${t.names[p]}${twice ? ` (operand ${s + 1})` : ""} = ${num(t.partials[i][s])}` }));
    const received = [], sum = [];
    for (const c of t.consumers[i]) {
      t.parents[c].forEach((p, s) => {
        if (p !== i) return;
        const passed = t.passes[c] <= k;
        received.push(el("li", { class: passed ? "" : "dx-wait",
          text: passed ? `from ${t.names[c]}: ${num(t.partials[c][s])} × ${num(grad(c))} = ${num(t.added[c][s])}`
            : `from ${t.names[c]}: not yet (step ${t.passes[c] + 1})` }));
        if (passed) sum.push(t.added[c][s]);
      });
    }
    const parts = [el("h2", { text: t.names[i] }), el("table", {}, ...rows)];
    // Every node the panel names that the picture hides, by box: "w₁₁⁽³⁾·a₁⁽²⁾ is inside neuron 1 · layer 3".
    const hidden = [...this.hidden([i, ...t.parents[i], ...t.consumers[i]])].map(([box, ns]) => {
      const named = ns.slice(0, 3).map((n) => t.names[n]).join(", ") + (ns.length > 3 ? `, … (${ns.length})` : "");
      return `${named} ${ns.length > 1 ? "are" : "is"} inside ${box}`;
    });
    if (hidden.length) parts.splice(1, 0, el("p", { class: "dx-where", text: `${hidden.join("; ")} (click the box to open it)` }));
    if (parents.length) parts.push(el("h3", { text: "local derivatives" }), el("ul", {}, ...parents));
    if (received.length) {
      parts.push(el("h3", { text: "gradient received (chain rule)" }), el("ul", {}, ...received));
      if (sum.length) parts.push(el("p", { class: "dx-sum", text: `sum = ${num(grad(i))}` }));
    }
    this.side.replaceChildren(...parts);
  }

  // --- pan and zoom: this.view is the part of the drawing shown, in the drawing's units ---
  // Show `box` (by default the whole graph) as large as fits; `readable` ("top" or "middle"): never
  // smaller than READABLE, a box too big then shown from its left and its top (or middle).
  fit(box, readable = false) {
    this.fitted = { box, readable };
    const whole = { x: 0, y: 0, width: Number(this.svg.getAttribute("width")), height: Number(this.svg.getAttribute("height")) };
    box = box || whole;
    const w = this.viewport.clientWidth || 800, h = this.viewport.clientHeight || 500;
    const pad = 12;
    let vw = box.width + 2 * pad, vh = box.height + 2 * pad;
    const scale = Math.max(Math.min(w / vw, h / vh, ROOM), readable ? READABLE : 0);
    const wide = vw > w / scale, tall = vh > h / scale;
    vw = w / scale;
    vh = h / scale;
    this.view = { x: wide ? box.x - pad : box.x + box.width / 2 - vw / 2,
      y: tall && readable === "top" ? box.y - pad : box.y + box.height / 2 - vh / 2, w: vw, h: vh };
    this.apply();
    this.reveal(this.t.nodeAt(this.step)); // a page opened at a step (a link) shows it
  }

  // While the view is one the explorer chose (not panned or zoomed by the learner) and shows part
  // of the graph, it follows the step: the current node (or its box) is brought into view.
  reveal(i) {
    const e = this.fitted && this.fitted.readable === "middle" && i !== null && this.unitOf[i];
    if (!e) return;
    const b = e.getBBox(), v = this.view;
    if (b.x >= v.x && b.y >= v.y && b.x + b.width <= v.x + v.w && b.y + b.height <= v.y + v.h) return;
    const into = (at, size, lo, span) => Math.min(Math.max(lo, at + size + 24 - span), at - 24); // the least move
    this.view = { ...v, x: into(b.x, b.width, v.x, v.w), y: into(b.y, b.height, v.y, v.h) };
    this.apply();
  }

  // The wheel over an open card taller than the view scrolls it (the card is never shrunk below
  // READABLE); true when it moved.
  scrollCard(e, open) {
    const card = open.querySelector("rect.card").getBBox(), v = this.view;
    const y = Math.min(Math.max(v.y + e.deltaY * (v.h / this.svg.getBoundingClientRect().height), card.y - 12),
      Math.max(card.y - 12, card.y + card.height + 12 - v.h));
    if (y === v.y) return false;
    this.view = { ...v, y };
    this.apply();
    return true;
  }

  // Speed: the view moves one group by a transform. Changing the SVG's viewBox instead made
  // Chromium lay out every text again (~300 ms a move on the demo's graph, against one frame).
  apply() {
    const v = this.view, s = (this.viewport.clientWidth || 800) / v.w;
    this.moved.setAttribute("transform", `matrix(${s} 0 0 ${s} ${-v.x * s} ${-v.y * s})`);
  }

  zoom(f, cx, cy) {
    this.fitted = null;
    const v = this.view;
    cx = cx === undefined ? v.x + v.w / 2 : cx;
    cy = cy === undefined ? v.y + v.h / 2 : cy;
    this.view = { x: cx - (cx - v.x) * f, y: cy - (cy - v.y) * f, w: v.w * f, h: v.h * f };
    this.apply();
  }

  point(e) {
    const r = this.svg.getBoundingClientRect(), v = this.view;
    return [v.x + ((e.clientX - r.left) / r.width) * v.w, v.y + ((e.clientY - r.top) / r.height) * v.h];
  }

  pan() {
    // A drag pans from anywhere, boxes included (a dense network is mostly boxes); a press that
    // does not move 4 px is a click.
    let start = null;
    this.svg.addEventListener("pointerdown", (e) => {
      if (e.button === 0) start = { x: e.clientX, y: e.clientY, view: { ...this.view }, moved: false, id: e.pointerId };
    });
    this.svg.addEventListener("pointermove", (e) => {
      if (!start) return;
      if (!start.moved && Math.hypot(e.clientX - start.x, e.clientY - start.y) < 4) return;
      if (!start.moved) {
        start.moved = true;
        this.fitted = null;
        this.svg.setPointerCapture(start.id);
      }
      const r = this.svg.getBoundingClientRect(), v = start.view;
      this.view = { ...v, x: v.x - ((e.clientX - start.x) / r.width) * v.w, y: v.y - ((e.clientY - start.y) / r.height) * v.h };
      this.apply();
    });
    this.svg.addEventListener("pointerup", () => (this.dragged = start && start.moved, start = null));
    this.svg.addEventListener("click", (e) => {
      if (this.dragged) e.stopImmediatePropagation(); // the end of a drag is not a click
      this.dragged = false;
    }, true);
    this.svg.addEventListener("wheel", (e) => {
      const open = this.insets.find((i) => i.classList.contains("open"));
      if (open && !e.ctrlKey && !e.metaKey) { // a card scrolls; at its end, a notebook scrolls on
        if (this.scrollCard(e, open) || !this.inNotebook) e.preventDefault();
        return;
      }
      if (this.inNotebook && !e.ctrlKey && !e.metaKey) return; // let the notebook scroll
      e.preventDefault();
      const [cx, cy] = this.point(e);
      this.zoom(Math.exp(e.deltaY * 0.0015), cx, cy);
    }, { passive: false });
  }
}

function parseSvg(text) {
  const doc = new DOMParser().parseFromString(text, "image/svg+xml");
  return document.importNode(doc.documentElement, true);
}

function prepare(svg) {
  svg.removeAttribute("role");
  svg.removeAttribute("style"); // the stylesheet sizes it to the view
  svg.removeAttribute("viewBox"); // one unit a pixel: the view is the transform of one group (View.apply)
  svg.classList.add("dx-svg");
  const pan = document.createElementNS(svg.namespaceURI, "g");
  pan.setAttribute("class", "dx-pan");
  pan.append(...[...svg.children].filter((e) => !["title", "style", "defs"].includes(e.localName)));
  svg.append(pan);
  return svg;
}

// anywidget's entry point: the widget's model holds the drawing (svg), the data and the step.
function render({ model, el: host }) {
  const root = document.createElement("div");
  root.className = "dagrad-explorer dx-widget";
  root.tabIndex = 0; // keys act only while the widget has focus
  host.append(root);
  const svg = prepare(parseSvg(model.get("svg")));
  const data = JSON.parse(model.get("data"));
  const view = new View(root, svg, { ...data, step: model.get("step"), by: model.get("by") || data.by }, {
    keysOn: root, onStep: saveTo(model, "step"),
  });
  view.inNotebook = true;
  view.onBy = saveTo(model, "by");
  const followBy = () => view.t.stops[model.get("by")] || model.get("by") === "op" ? view.setBy(model.get("by")) : null;
  return followModel(model, view, { "change:by": followBy });
}

export default { render };

// A saved page: the drawing and the data are in the page; start at once, keys on the whole page.
const page = globalThis.document && document.getElementById("dagrad-explorer-data");
if (page) {
  const root = document.getElementById("dagrad-explorer");
  const svg = prepare(root.querySelector("svg"));
  const data = JSON.parse(page.textContent);
  // A link to one step, counted from 1: page.html#step=layer:3 (the third step by layer), or
  // page.html#step=12 (op step 12, as links made before the coarse steps were).
  const linked = () => {
    const m = /step=(?:(\w+):)?(\d+)/.exec(location.hash);
    const by = m && (m[1] || "op"), stops = m && data.stops[by];
    if (!m || (by !== "op" && !stops)) return null;
    const j = Math.max(1, Number(m[2])) - 1;
    return { by, step: stops ? stops[Math.min(j, stops.length - 1)][0] : j };
  };
  if (linked()) Object.assign(data, linked());
  // The address follows the step, so a step can be shared as a link (page.html#step=layer:3).
  // Speed: written once stepping pauses (replaceState costs ~10 ms on a large page, and browsers
  // throttle it when called on every step of a play).
  let pending = null;
  const onStep = (k, anchor) => {
    clearTimeout(pending);
    pending = setTimeout(() => history.replaceState(null, "", `#step=${anchor}`), 250);
  };
  globalThis.dagradExplorer = new View(root, svg, data, { keysOn: document, onStep });
  // A link followed in the open page (an edited address, a link in the page): no reload, so go there.
  addEventListener("hashchange", () => {
    const to = linked(), view = globalThis.dagradExplorer;
    if (to && to.by !== view.by) view.setBy(to.by, to.step);
    else if (to) view.go(to.step);
  });
}
