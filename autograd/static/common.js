// What the pages' scripts share (autograd/page.py puts this text before each script that uses it):
// numbers written as Python writes them (autograd.svg.number), and elements made with text only.

// JSON has no inf or nan: Python writes them as these strings.
const SPECIAL = { inf: Infinity, "-inf": -Infinity, nan: NaN };
const real = (x) => (typeof x === "string" ? SPECIAL[x] : x);

// A number as Python's f"{x:.4g}" writes it, with a point added as autograd.svg.number does; -0 as
// 0.0 (a learner reads "-0.0" as a sign that means something; data-value keeps the exact -0).
// Python rounds the exact binary value half to even; JavaScript's toPrecision rounds ties away from
// zero (-1234.5 gives -1235, Python -1234), so the rounding is done here on the exact digits.
function num(x) {
  if (x === null || x === undefined) return "—";
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return "0.0";
  const sign = x < 0 ? "-" : "";
  let [digits, e] = significant(Math.abs(x), 4);
  let s;
  if (e < -4 || e >= 4) {
    const mant = (digits[0] + "." + digits.slice(1)).replace(/0+$/, "").replace(/\.$/, "");
    s = `${mant}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  } else if (e >= 0) {
    s = (digits.slice(0, e + 1) + "." + digits.slice(e + 1)).replace(/0+$/, "").replace(/\.$/, "");
  } else {
    s = ("0." + "0".repeat(-e - 1) + digits).replace(/0+$/, "");
  }
  s = sign + s;
  return /[.en]/.test(s) ? s : s + ".0";
}

// The first p significant digits of a > 0, rounded half to even on its exact value, and the exponent.
function significant(a, p) {
  // 28 digits show where a double differs from a tie: doubles are ~17 significant digits apart.
  const [m, ex] = a.toExponential(p + 24).split("e");
  const all = m.replace(".", "");
  let kept = all.slice(0, p), e = Number(ex);
  const rest = all.slice(p);
  const up = rest[0] > "5" || (rest[0] === "5" && (/[1-9]/.test(rest.slice(1)) || Number(kept[p - 1]) % 2 === 1));
  if (up) {
    const bumped = String(Number(kept) + 1);
    if (bumped.length > p) {
      kept = bumped.slice(0, p);
      e += 1;
    } else kept = bumped.padStart(p, "0");
  }
  return [kept, e];
}

// An element with attributes; "text" sets textContent (never markup), "on…" adds a listener.
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

// A widget's trait written from the page: saved (sent to Python) only when it changed, so a change
// Python made, which the view echoes back, is not sent again.
const saveTo = (model, name) => (value) => {
  if (model.get(name) !== value) {
    model.set(name, value);
    model.save_changes();
  }
};

// The end of a widget's render(): the view follows Python's step (and the `more` listeners, by
// event name); returns the cleanup anywidget calls, which stops the view and every listener.
function followModel(model, view, more = {}) {
  const listeners = { "change:step": () => view.go(model.get("step")), ...more };
  for (const [name, fn] of Object.entries(listeners)) model.on(name, fn);
  return () => {
    view.stop();
    for (const [name, fn] of Object.entries(listeners)) model.off(name, fn);
  };
}
