// dagrad's training timeline: one ES module for the Jupyter widget (anywidget) and the saved page,
// after common.js (num, real, el). Python (nn/recorder.py) records the numbers and computes what
// needs the model (accuracy, the decision boundary); this script only draws the recorded step.
// Every text it writes goes through textContent or a canvas's fillText, never markup.

const PLAY_MS = 120; // ms per step while playing
const SVGNS = "http://www.w3.org/2000/svg";
const POS = [37, 99, 235], NEG = [220, 38, 38]; // blue for + (and class 1), red for − (and class 0)
const CLASSES = ["#dc2626", "#2563eb", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777"];

function sv(tag, attrs = {}) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

// A value on a diverging scale: red (−) through white to blue (+), full at |x| = max.
function diverging(x, max) {
  if (!Number.isFinite(x)) return [245, 158, 11]; // inf, nan: amber
  const t = max > 0 ? Math.min(1, Math.abs(x) / max) : 0, c = x >= 0 ? POS : NEG;
  return c.map((v) => Math.round(255 + (v - 255) * Math.sqrt(t))); // square root: small values still show
}
const rgb = (c) => `rgb(${c[0]},${c[1]},${c[2]})`;

class Training {
  constructor(root, data, { keysOn, onStep, explore }) {
    const d = (this.d = data);
    this.n = d.steps.length;
    this.loss = d.loss.map(real);
    this.params = d.params.map((ps) => ps.map(real));
    this.grads = d.grads.map((gs) => gs.map(real));
    this.after = d.after.map((a, k) => (a ? a.map(real) : this.params[k + 1]));
    this.onStep = onStep;
    this.explore = explore;
    this.chosen = null; // the weight the update panel shows: null follows the largest |Δw|
    this.example = 0;
    this.step = -1;
    this.build(root, keysOn);
    this.go(Math.min(Math.max(0, d.step || 0), this.n - 1));
    requestAnimationFrame(() => (this.ready = performance.now())); // drawn: what `make bench` reports as first paint
  }

  build(root, keysOn) {
    const d = this.d;
    const button = (text, title, fn, cls = "") => el("button", { type: "button", title, class: cls, onclick: fn, text });
    this.slider = el("input", { type: "range", min: "0", max: String(this.n - 1), value: "0", class: "tr-slider",
      "aria-label": "recorded step", oninput: () => this.go(Number(this.slider.value)) });
    this.counter = el("span", { class: "tr-counter" });
    this.playButton = button("", "play / pause (space)", () => this.toggle(), "tr-play");
    const panel = (title, ...body) => el("section", { class: "tr-panel" }, el("h2", { text: title }), ...body);
    const panels = [panel("loss and accuracy", this.curves())];
    if (d.boundary) panels.push(panel("decision boundary and the data", this.boundary()));
    panels.push(panel("gradient norm per layer (log scale)", this.norms()));
    const left = el("div", { class: "tr-col" }, ...panels);
    const middle = el("div", { class: "tr-col tr-maps" }, el("h2", { text: "weights W and gradients ∂C/∂W (rows: neurons, columns: inputs, then the bias b)" }),
      ...d.groups.map((g, i) => this.heatmap(g, i)));
    const right = el("div", { class: "tr-col" }, panel("what this step changed", this.changes()), panel("backprop explorer", this.explorerPanel()));
    this.overlay = el("div", { class: "tr-overlay", hidden: "" });
    root.replaceChildren(
      el("header", { class: "tr-head" }, el("h1", { text: d.title }), this.counter),
      el("div", { class: "tr-main" }, left, middle, right),
      el("div", { class: "tr-controls" }, button("⇤", "first step (Home)", () => this.go(0)),
        button("◀", "previous step (←)", () => this.go(this.step - 1), "tr-prev"), this.playButton,
        button("▶", "next step (→)", () => this.go(this.step + 1), "tr-next"),
        button("⇥", "last step (End)", () => this.go(this.n - 1)), this.slider),
      this.overlay);
    keysOn.addEventListener("keydown", (e) => this.key(e));
  }

  // --- the panels, built once; `go` moves their marks ---

  chart(w, h) {
    const svg = sv("svg", { viewBox: `0 0 ${w} ${h}`, class: "tr-chart" });
    this.box = { l: 44, r: w - 40, t: 10, b: h - 22 };
    return svg;
  }

  x(k) {
    const b = this.box;
    return b.l + ((b.r - b.l) * k) / Math.max(1, this.n - 1);
  }

  axisLabel(svg, x, y, text, anchor = "end", cls = "") {
    const t = sv("text", { x, y, "text-anchor": anchor, class: cls });
    t.textContent = text;
    svg.append(t);
  }

  curves() {
    const d = this.d, svg = this.chart(360, 130), b = this.box;
    const finite = this.loss.filter(Number.isFinite), top = Math.max(...finite, 0) || 1;
    const y = (v) => b.b - ((b.b - b.t) * Math.min(v, top)) / top;
    const line = (values, scale, cls) => svg.append(sv("polyline", { class: cls,
      points: values.map((v, k) => `${this.x(k).toFixed(1)},${scale(Number.isFinite(v) ? v : top).toFixed(1)}`).join(" ") }));
    // The accuracy where a step's outputs are finite: a gap at each diverged step (null), not a 0%.
    const pieces = (values, scale, cls) => {
      let run = [];
      const end = () => run.length && svg.append(sv("polyline", { class: cls, points: run.join(" ") }));
      values.forEach((v, k) => (v === null ? (end(), (run = [])) : run.push(`${this.x(k).toFixed(1)},${scale(v).toFixed(1)}`)));
      end();
    };
    svg.append(sv("rect", { x: b.l, y: b.t, width: b.r - b.l, height: b.b - b.t, class: "tr-frame" }));
    line(this.loss, y, "tr-loss");
    this.axisLabel(svg, b.l - 4, b.t + 8, num(top));
    this.axisLabel(svg, b.l - 4, b.b, "0.0");
    const acc = d.accuracy, ya = (v) => b.b - (b.b - b.t) * v;
    if (acc) {
      pieces(acc, ya, "tr-acc");
      this.axisLabel(svg, b.r + 4, b.t + 8, "100%", "start", "tr-acc-label");
      this.axisLabel(svg, b.r + 4, b.b, "0%", "start", "tr-acc-label");
    }
    this.axisLabel(svg, b.l, b.b + 16, `step ${d.steps[0]}`, "start");
    this.axisLabel(svg, b.r, b.b + 16, `step ${d.steps[this.n - 1]}`, "end");
    const mark = sv("line", { y1: b.t, y2: b.b, class: "tr-mark" });
    const dot = sv("circle", { r: 3.5, class: "tr-loss-dot" });
    const adot = sv("circle", { r: 3.5, class: "tr-acc-dot" });
    svg.append(mark, dot);
    if (acc) svg.append(adot);
    this.lossText = el("span", { class: "tr-loss-text", "data-field": "loss" });
    this.accText = el("span", { class: "tr-acc-text", "data-field": "accuracy" });
    this.marks = [];
    this.marks.push({ e: svg, move: (k) => {
      const x = this.x(k);
      mark.setAttribute("x1", x); mark.setAttribute("x2", x);
      dot.setAttribute("cx", x); dot.setAttribute("cy", y(Number.isFinite(this.loss[k]) ? this.loss[k] : top));
      if (acc) { adot.setAttribute("cx", x); adot.setAttribute("cy", ya(acc[k] || 0)); adot.style.display = acc[k] === null ? "none" : ""; }
      // A diverged step (inf or nan): its loss drawn at the top, and said in words.
      this.lossText.textContent = `loss ${num(this.loss[k])}` + (Number.isFinite(this.loss[k]) ? "" : " (not finite at this step)");
      this.accText.textContent = !acc ? "" : acc[k] === null ? "accuracy — (the outputs are not finite at this step)" : `accuracy ${num(acc[k])}`;
    } });
    return el("div", {}, svg, el("p", { class: "tr-readout" }, this.lossText, this.accText));
  }

  boundary() {
    const bd = this.d.boundary, side = bd.side, size = 230;
    const canvas = el("canvas", { width: String(size), height: String(size), class: "tr-boundary", title: "click a point to choose its example" });
    const cells = document.createElement("canvas");
    cells.width = cells.height = side;
    const image = cells.getContext("2d").createImageData(side, side);
    const [x0, x1, y0, y1] = bd.extent;
    const px = (p) => [((p[0] - x0) / (x1 - x0)) * size, ((y1 - p[1]) / (y1 - y0)) * size];
    const LEVELS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+/";
    const single = !this.d.classes || this.d.classes.length <= 2;
    const colour = (ch) => {
      const v = LEVELS.indexOf(ch);
      if (single) {
        const t = (v - 31.5) / 32, c = t > 0 ? POS : NEG, a = 0.15 + 0.45 * Math.abs(t);
        return c.map((x) => Math.round(255 + (x - 255) * a));
      }
      const c = CLASSES[(v >> 3) % 8], a = 0.15 + 0.06 * (v & 7);
      return [1, 3, 5].map((i) => Math.round(255 + (parseInt(c.slice(i, i + 2), 16) - 255) * a));
    };
    const ctx = canvas.getContext("2d");
    const y = this.d.y, classes = this.d.classes;
    const pointColour = (i) => {
      if (!y) return "#334155";
      if (classes && classes.length <= 2) return y[i] === classes[1] ? rgb(POS) : rgb(NEG);
      return CLASSES[Number(y[i]) % 8];
    };
    const diverged = el("p", { class: "tr-note tr-diverged", hidden: "" });
    this.marks.push({ e: canvas, move: (k) => {
      const row = bd.cells[k]; // null: the outputs are not finite at this step (a run that diverged)
      for (let i = 0; i < side * side; i++) {
        const c = row === null ? [241, 245, 249] : colour(row[i]);
        image.data.set([c[0], c[1], c[2], 255], 4 * i);
      }
      cells.getContext("2d").putImageData(image, 0, 0);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(cells, 0, 0, size, size);
      diverged.hidden = row !== null;
      diverged.textContent = row === null ? "not finite at this step: the model's outputs are inf or nan, so there is no boundary" : "";
      if (row === null) {
        ctx.fillStyle = "#64748b"; ctx.font = "13px ui-sans-serif, system-ui, sans-serif"; ctx.textAlign = "center";
        ctx.fillText("not finite at this step", size / 2, size / 2);
      }
      this.d.X.forEach((p, i) => {
        const [cx, cy] = px(p);
        ctx.beginPath();
        ctx.arc(cx, cy, i === this.example ? 5.5 : 3.2, 0, 2 * Math.PI);
        ctx.fillStyle = pointColour(i);
        ctx.fill();
        ctx.lineWidth = i === this.example ? 2.5 : 1;
        ctx.strokeStyle = i === this.example ? "#0f172a" : "#fff";
        ctx.stroke();
      });
    } });
    canvas.addEventListener("click", (e) => {
      const r = canvas.getBoundingClientRect(), mx = ((e.clientX - r.left) * size) / r.width, my = ((e.clientY - r.top) * size) / r.height;
      let best = -1, dist = 12 * 12;
      this.d.X.forEach((p, i) => {
        const [cx, cy] = px(p), dd = (cx - mx) ** 2 + (cy - my) ** 2;
        if (dd < dist) [best, dist] = [i, dd];
      });
      if (best >= 0) this.choose(best);
    });
    const legend = single && classes ? `blue: class ${classes[1]}, red: class ${classes[0]}; paler is closer to the boundary` : "each colour a class; paler is less sure";
    return el("div", {}, canvas, diverged, el("p", { class: "tr-note", text: legend }));
  }

  norms() {
    const svg = this.chart(360, 130), b = this.box, d = this.d;
    const all = d.groups.flatMap((g) => g.norms.map(real)).filter((v) => Number.isFinite(v) && v > 0);
    const lo = Math.floor(Math.log10(Math.min(...all, 1))), hi = Math.ceil(Math.log10(Math.max(...all, 1e-12)));
    const top = Math.max(hi, lo + 1);
    // inf or nan (a run that diverged) at the top, as the loss: an exploded gradient must not read as a vanished one
    const y = (v) => (!Number.isFinite(v) ? b.t : v > 0 ? b.b - ((b.b - b.t) * (Math.log10(v) - lo)) / (top - lo) : b.b);
    svg.append(sv("rect", { x: b.l, y: b.t, width: b.r - b.l, height: b.b - b.t, class: "tr-frame" }));
    for (let p = lo; p <= top; p++) {
      svg.append(sv("line", { x1: b.l, x2: b.r, y1: y(10 ** p), y2: y(10 ** p), class: "tr-grid" }));
      this.axisLabel(svg, b.l - 4, y(10 ** p) + 4, `1e${p}`);
    }
    const keys = el("p", { class: "tr-keys" });
    d.groups.forEach((g, i) => {
      const colour = CLASSES[(i + 1) % 8];
      svg.append(sv("polyline", { class: "tr-norm", stroke: colour,
        points: g.norms.map((v, k) => `${this.x(k).toFixed(1)},${y(real(v)).toFixed(1)}`).join(" ") }));
      keys.append(el("span", { class: "tr-key" }, el("i", { style: `background:${colour}` }), g.name));
    });
    const mark = sv("line", { y1: b.t, y2: b.b, class: "tr-mark" });
    svg.append(mark);
    this.marks.push({ e: svg, move: (k) => { mark.setAttribute("x1", this.x(k)); mark.setAttribute("x2", this.x(k)); } });
    return el("div", {}, svg, keys);
  }

  heatmap(g, index) {
    const rows = g.rows.length, cols = g.cols.length;
    const cell = Math.max(5, Math.min(16, Math.floor(220 / cols), Math.floor(300 / rows)));
    const pad = { l: 22, t: 16 };
    const make = (label, max, beyond) => {
      const canvas = el("canvas", { width: String(pad.l + cols * cell + 2), height: String(pad.t + rows * cell + 2),
        class: "tr-heat", title: "click a cell to choose that weight" });
      canvas.addEventListener("click", (e) => {
        const r = canvas.getBoundingClientRect();
        const c = Math.floor(((e.clientX - r.left) * canvas.width / r.width - pad.l) / cell);
        const rr = Math.floor(((e.clientY - r.top) * canvas.height / r.height - pad.t) / cell);
        const p = rr >= 0 && rr < rows && c >= 0 && c < cols ? g.cells[rr][c] : -1;
        if (p >= 0) this.pick(p);
      });
      const scale = el("div", { class: "tr-scale" }, el("span", { text: `${beyond ? "≤ " : ""}${num(-max)}` }), el("i", {}),
        el("span", { text: `${beyond ? "≥ " : ""}${num(max)}` }));
      const odd = el("p", { class: "tr-note tr-nonfinite", hidden: "", text: "amber ×: not finite (inf or nan) at this step" });
      return [canvas, el("figure", {}, el("figcaption", { text: label }), canvas, scale, odd), odd];
    };
    const [wc, wf, wn] = make(g.w, g.wmax, false), [gc, gf, gn] = make(`∂C/∂${g.w}`, g.gmax, true);
    const draw = (canvas, values, max, k, note) => {
      let odd = false;
      const ctx = canvas.getContext("2d");
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.font = "11px ui-sans-serif, system-ui, sans-serif"; // 11 px: the smallest text a laptop shows readably
      ctx.fillStyle = "#64748b";
      ctx.textAlign = "center";
      // A label where it fits (two digits need ~15 px), and always the last one (the bias column, the
      // last neuron), dropping the label just before it when the two would overlap.
      const every = Math.ceil(16 / cell), labelled = (j, n) => j === n - 1 || (j % every === 0 && n - 1 - j >= every);
      g.cols.forEach((c, j) => labelled(j, cols) && ctx.fillText(c, pad.l + j * cell + cell / 2, pad.t - 4));
      ctx.textAlign = "right";
      g.rows.forEach((r, i) => labelled(i, rows) && ctx.fillText(r, pad.l - 3, pad.t + i * cell + cell / 2 + 4));
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) {
        const p = g.cells[i][j];
        if (p < 0) continue;
        ctx.fillStyle = "#cbd5e1"; // a hairline frame, so a cell of 0 (white) still shows where it is
        ctx.fillRect(pad.l + j * cell - 0.5, pad.t + i * cell - 0.5, cell, cell);
        ctx.fillStyle = rgb(diverging(values[k][p], max));
        ctx.fillRect(pad.l + j * cell, pad.t + i * cell, cell - 1, cell - 1);
        if (!Number.isFinite(values[k][p])) { // inf or nan: amber, and crossed so it reads without colour
          odd = true;
          ctx.strokeStyle = "#0f172a"; ctx.lineWidth = 1;
          ctx.beginPath();
          ctx.moveTo(pad.l + j * cell + 1, pad.t + i * cell + 1); ctx.lineTo(pad.l + (j + 1) * cell - 2, pad.t + (i + 1) * cell - 2);
          ctx.moveTo(pad.l + (j + 1) * cell - 2, pad.t + i * cell + 1); ctx.lineTo(pad.l + j * cell + 1, pad.t + (i + 1) * cell - 2);
          ctx.stroke();
        }
        if (p === this.shown) {
          ctx.strokeStyle = "#0f172a"; ctx.lineWidth = 2;
          ctx.strokeRect(pad.l + j * cell + 0.5, pad.t + i * cell + 0.5, cell - 2, cell - 2);
        }
      }
      note.hidden = !odd;
    };
    const card = el("div", { class: "tr-layer", "data-group": String(index) }, el("h3", { text: g.name }), el("div", { class: "tr-pair" }, wf, gf));
    this.marks.push({ e: card, move: (k) => { draw(wc, this.params, g.wmax, k, wn); draw(gc, this.grads, g.gmax, k, gn); } });
    return card;
  }

  changes() {
    this.changed = el("p", { class: "tr-changed" });
    this.ruleTable = el("table", { class: "tr-rule" });
    this.ruleLine = el("p", { class: "tr-rule-line" });
    const follow = el("button", { type: "button", text: "follow the largest |Δw|", onclick: () => this.pick(null) });
    return el("div", {}, this.changed, el("h3", { text: "the update rule for one weight (click a cell to choose)" }),
      this.ruleTable, this.ruleLine, follow);
  }

  // Choose an example (its number, or a point on the boundary) and open its explorer at this step:
  // the widget asks Python; a saved page has the pairs chosen at save time, listed below.
  explorerPanel() {
    const d = this.d;
    this.exampleText = el("p", { class: "tr-example" });
    this.exampleInput = el("input", { type: "number", min: "1", max: String(d.examples), value: "1", class: "tr-example-input",
      "aria-label": "example", onchange: () => this.choose(Number(this.exampleInput.value) - 1) });
    this.openButton = el("button", { type: "button", class: "tr-open", text: "open its explorer at this step",
      onclick: () => this.open(this.step, this.example) });
    this.openNote = el("p", { class: "tr-note tr-open-note" });
    const parts = [this.exampleText, el("p", {}, el("label", { text: "example " }), this.exampleInput, " ", this.openButton), this.openNote];
    if (!d.live) {
      parts.push(el("p", { class: "tr-note", text: d.explorers.length ? "saved with this page:" : "no explorer was saved with this page" }));
      parts.push(el("ul", { class: "tr-saved" }, ...d.explorers.map((x) => el("li", {}, el("button", { type: "button", class: "tr-open-saved",
        text: `example ${x.example + 1} at step ${d.steps[x.k]}`, onclick: () => (this.go(x.k), this.choose(x.example), this.open(x.k, x.example)) })))));
    }
    return el("div", {}, ...parts);
  }

  saved(k, example) {
    return this.d.explorers.find((x) => x.k === k && x.example === example);
  }

  // --- stepping ---

  go(k) {
    k = Math.min(Math.max(0, k), this.n - 1);
    if (k === this.step) return;
    this.step = k;
    this.update();
    this.slider.value = String(k);
    this.counter.textContent = `step ${this.d.steps[k]} (recorded ${k + 1} of ${this.n})`;
    if (this.onStep) this.onStep(k);
  }

  update() {
    const k = this.step;
    // The largest |Δw| this step: what the update changed most.
    const before = this.params[k], after = this.after[k];
    let most = -1, size = -1;
    if (after) for (let p = 0; p < before.length; p++) {
      const dw = Math.abs(after[p] - before[p]);
      if (dw > size) [most, size] = [p, dw];
    }
    this.most = most;
    this.shown = this.chosen !== null ? this.chosen : most >= 0 ? most : 0;
    for (const m of this.marks) {
      m.move(k);
      m.e.dataset.step = String(k);
    }
    const names = this.d.names;
    this.changed.textContent = most >= 0 ? `largest |Δw| this step: ${num(size)}, at ${names[most]}`
      : after ? "largest |Δw| this step: none is finite (the parameters are inf or nan)" : "the update after this step is not recorded yet";
    this.changed.dataset.step = String(k);
    this.rule(k, this.shown);
    this.exampleLine();
  }

  rule(k, p) {
    const d = this.d, w = this.params[k][p], g = this.grads[k][p], nw = this.after[k] ? this.after[k][p] : null;
    const dw = nw === null ? null : nw - w;
    let eta = d.lr[k], line;
    if (d.rule === "inferred") {
      eta = dw !== null && g !== 0 ? -dw / g : null;
      line = "η inferred as −Δw ÷ ∂C/∂w: plain SGD's learning rate (Recorder(..., optimizer=opt) shows the optimizer's)";
    } else if (d.rule === "sgd") {
      line = nw === null ? "" : `new w = w − η·∂C/∂w = ${num(w)} − ${num(eta)} × ${num(g)} = ${num(nw)}`;
    } else {
      line = `${d.rule}: new w = w + Δw, where Δw comes from its running averages, not η·∂C/∂w alone`;
    }
    const rows = [["weight", d.names[p]], ["w", num(w), "w"], ["η", num(eta), "eta"], ["∂C/∂w", num(g), "grad"],
      ["new w", num(nw), "new"], ["Δw", num(dw), "dw"]];
    this.ruleTable.replaceChildren(...rows.map(([h, v, f]) => el("tr", {}, el("th", { text: h }), el("td", f ? { text: v, "data-field": f } : { text: v }))));
    this.ruleTable.dataset.step = String(k);
    this.ruleLine.textContent = line;
  }

  exampleLine() {
    const d = this.d, i = this.example, yi = d.y ? ` (y = ${d.y[i]})` : "";
    this.exampleText.textContent = `example ${i + 1}${yi}` + (d.boundary ? ": click a point on the boundary to choose another" : "");
    const here = d.live || this.saved(this.step, i);
    this.openButton.disabled = !here;
    this.openNote.textContent = here ? "" : `not saved with this page: rec.save(path, explorers=[(${this.step}, ${i})]) would save it`;
  }

  pick(p) {
    this.chosen = p;
    this.update();
  }

  choose(i) {
    if (!(i >= 0 && i < this.d.examples)) return;
    this.example = i;
    this.exampleInput.value = String(i + 1);
    this.update();
  }

  async open(k, example) {
    const saved = this.saved(k, example);
    let html;
    if (saved) html = await inflate(saved.page);
    else if (this.explore) html = await this.explore(k, example);
    else return;
    // A page of its own (blob:, not srcdoc): the explorer keeps its address in sync with its step.
    if (this.frameUrl) URL.revokeObjectURL(this.frameUrl);
    this.frameUrl = URL.createObjectURL(new Blob([html], { type: "text/html" }));
    const frame = el("iframe", { class: "tr-frame-explorer", title: "backprop explorer", src: this.frameUrl });
    const close = el("button", { type: "button", class: "tr-close", text: "close ✕", onclick: () => this.closeExplorer() });
    this.overlay.replaceChildren(el("div", { class: "tr-overlay-head" },
      el("span", { text: `backprop explorer: example ${example + 1} at step ${this.d.steps[k]}` }), close), frame);
    this.overlay.hidden = false;
    this.overlay.dataset.k = String(k);
    this.overlay.dataset.example = String(example);
  }

  closeExplorer() {
    this.overlay.hidden = true;
    this.overlay.replaceChildren();
  }

  toggle() {
    if (this.timer) return this.stop();
    if (this.step >= this.n - 1) this.go(0);
    this.playButton.classList.add("on");
    this.timer = setInterval(() => (this.step >= this.n - 1 ? this.stop() : this.go(this.step + 1)), PLAY_MS);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    this.playButton.classList.remove("on");
  }

  key(e) {
    if (e.altKey || e.ctrlKey || e.metaKey || e.target.tagName === "INPUT" && e.target.type !== "range") return;
    const actions = { ArrowRight: () => this.go(this.step + 1), ArrowLeft: () => this.go(this.step - 1),
      Home: () => this.go(0), End: () => this.go(this.n - 1), " ": () => this.toggle(),
      Escape: this.overlay.hidden ? null : () => this.closeExplorer() };
    const act = actions[e.key];
    if (!act) return;
    e.preventDefault();
    e.stopPropagation(); // in Jupyter: the notebook never sees a key the timeline used
    act();
  }
}

// A saved explorer: its page, gzip-compressed and base64-encoded by Python; the browser's own
// DecompressionStream unpacks it (no library, no request).
async function inflate(b64) {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return await new Response(stream).text();
}

// anywidget's entry point: the model holds the data and the step; an explorer is asked of Python.
function render({ model, el: host }) {
  const root = document.createElement("div");
  root.className = "dagrad-training tr-widget";
  root.tabIndex = 0; // keys act only while the widget has focus
  host.append(root);
  const waiting = new Map();
  const answer = (msg) => {
    const key = `${msg.k},${msg.example}`;
    if (waiting.has(key)) waiting.get(key)(msg.html);
    waiting.delete(key);
  };
  const explore = (k, example) => new Promise((resolve) => {
    waiting.set(`${k},${example}`, resolve);
    model.send({ explore: [k, example] });
  });
  const view = new Training(root, { ...JSON.parse(model.get("data")), step: model.get("step") }, {
    keysOn: root, explore, onStep: saveTo(model, "step"),
  });
  return followModel(model, view, { "msg:custom": answer });
}

export default { render };

// A saved page: the data is in the page; start at once, keys on the whole page.
const saved = globalThis.document && document.getElementById("dagrad-training-data");
if (saved) {
  globalThis.dagradTraining = new Training(document.getElementById("dagrad-training"), JSON.parse(saved.textContent),
    { keysOn: document });
}
