// Runs the script embedded in a cspy flamegraph SVG under node, against a minimal DOM
// built from the SVG itself, replays some user actions and prints the resulting state
// as JSON, so flamegraph_test.cpp can check zoom, search, hover and reset without a
// browser. Usage:
//   node flamegraph_script_check.mjs FILE.svg QUERY [click=LABEL|hover=LABEL|key=KEY|search=RE]...
// QUERY is the page's URL query ("" or "?s=...&x=..&y=.."). LABEL picks the first frame
// whose name is LABEL. Prints {"initial": state, "final": state, "alerts": [...]}.
import fs from 'node:fs';
import vm from 'node:vm';

const ENTITIES = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
function decode(s) {
  return s.replace(/&(#x?[0-9a-fA-F]+|\w+);/g, (m, e) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    if (!(e in ENTITIES)) throw new Error('unknown entity ' + m);
    return ENTITIES[e];
  });
}

class Element {
  constructor(tag, attrs, doc) {
    this.tagName = tag;
    this.attrs = attrs;
    this.children = [];  // elements and text nodes
    this.parentNode = null;
    this.listeners = {};
    this.ownerDocument = doc;
    const el = this;
    this.classList = {
      set() { return new Set((el.attrs.class || '').split(/\s+/).filter(Boolean)); },
      write(set) { el.attrs.class = [...set].join(' '); },
      add(c) { const s = this.set(); s.add(c); this.write(s); },
      remove(c) { const s = this.set(); s.delete(c); this.write(s); },
      contains(c) { return this.set().has(c); },
      toggle(c, force) { const on = force === undefined ? !this.contains(c) : !!force; if (on) this.add(c); else this.remove(c); return on; },
    };
  }
  getAttribute(n) { return n in this.attrs ? this.attrs[n] : null; }
  setAttribute(n, v) { this.attrs[n] = String(v); }
  get elementChildren() { return this.children.filter(c => c instanceof Element); }
  get firstElementChild() { return this.elementChildren[0] || null; }
  get nextElementSibling() {
    if (!this.parentNode) return null;
    const sibs = this.parentNode.elementChildren;
    return sibs[sibs.indexOf(this) + 1] || null;
  }
  get ownerSVGElement() {
    let p = this.parentNode;
    while (p && p.tagName !== 'svg') p = p.parentNode;
    return p;
  }
  getElementsByTagName(tag) {
    const out = [];
    const walk = e => e.elementChildren.forEach(c => { if (c.tagName === tag) out.push(c); walk(c); });
    walk(this);
    return out;
  }
  get textContent() { return this.children.map(c => (c instanceof Element ? c.textContent : c.text)).join(''); }
  set textContent(v) { this.children = [{ text: String(v) }]; }
  appendChild(c) { c.parentNode = this; this.children.push(c); return c; }
  addEventListener(type, fn) { (this.listeners[type] = this.listeners[type] || []).push(fn); }
  dispatch(type, event) { (this.listeners[type] || []).forEach(fn => fn(event)); }
}

// Parses the SVG (well-formed, as xmllint checks elsewhere) into Elements; returns the
// document object and the script texts.
function parse(xml) {
  const doc = { listeners: {}, readyState: 'complete' };
  const scripts = [];
  const root = new Element('#root', {}, doc);
  let cur = root;
  const re = /<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<\/([\w:-]+)\s*>|<([\w:-]+)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>|([^<]+)/g;
  let m;
  while ((m = re.exec(xml)) !== null) {
    if (m[1] !== undefined) {
      if (cur.tagName === 'script') scripts.push(m[1]);
      cur.children.push({ text: m[1] });
    } else if (m[2]) {
      if (cur.tagName !== m[2]) throw new Error('mismatched </' + m[2] + '>');
      cur = cur.parentNode;
    } else if (m[3]) {
      const attrs = {};
      for (const a of m[4].matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[a[1]] = decode(a[2]);
      const el = new Element(m[3], attrs, doc);
      cur.appendChild(el);
      if (!m[5]) cur = el;
    } else if (m[6] !== undefined) {
      cur.children.push({ text: decode(m[6]) });
    }
  }
  doc.documentElement = root.firstElementChild;
  doc.getElementById = id => {
    let found = null;
    const walk = e => e.elementChildren.forEach(c => { if (!found && c.attrs.id === id) found = c; walk(c); });
    walk(root);
    return found;
  };
  doc.createElementNS = (ns, tag) => new Element(tag, {}, doc);
  doc.addEventListener = (type, fn) => (doc.listeners[type] = doc.listeners[type] || []).push(fn);
  return { doc, scripts };
}

function state(doc) {
  const box = doc.getElementById('frames');
  const hidden = e => { for (let p = e; p; p = p.parentNode) if (p.classList && p.classList.contains('hide')) return true; return false; };
  return {
    matched: doc.getElementById('matched').textContent,
    search: doc.getElementById('search').textContent,
    resetHidden: hidden(doc.getElementById('reset')),
    details: doc.getElementById('details').textContent,
    frames: box.elementChildren.map(g => {
      const rect = g.getElementsByTagName('rect')[0];
      const text = g.getElementsByTagName('text')[0];
      return {
        name: g.getElementsByTagName('title')[0].textContent.split('\n')[0],
        hidden: hidden(g), faded: g.classList.contains('p'),
        x: +rect.getAttribute('x'), y: +rect.getAttribute('y'), w: +rect.getAttribute('width'),
        fill: rect.getAttribute('fill'), text: text ? text.textContent : '',
      };
    }),
  };
}

const [file, query, ...actions] = process.argv.slice(2);
const { doc, scripts } = parse(fs.readFileSync(file, 'utf8'));
if (scripts.length !== 1) throw new Error('expected one script, found ' + scripts.length);
const windowListeners = {};
let prompted = null;
const alerts = [];
const context = {
  document: doc, URLSearchParams, console,
  location: { search: query || '', pathname: '/' + file, hash: '' },
  history: { replaceState() {} },
  alert(msg) { alerts.push(String(msg)); },
  prompt() { return prompted; },
  addEventListener(type, fn) { (windowListeners[type] = windowListeners[type] || []).push(fn); },
};
context.window = context;
vm.createContext(context);
vm.runInContext(scripts[0], context, { filename: file + ' <script>' });
const initial = state(doc);

const box = doc.getElementById('frames');
function frameNamed(label) {
  const g = box.elementChildren.find(g => g.getElementsByTagName('title')[0].textContent.split('\n')[0] === label);
  if (!g) throw new Error('no frame ' + label);
  return g.getElementsByTagName('rect')[0];
}
for (const action of actions) {
  const [kind, arg] = [action.slice(0, action.indexOf('=')), action.slice(action.indexOf('=') + 1)];
  if (kind === 'click') box.dispatch('click', { target: frameNamed(arg) });
  else if (kind === 'hover') box.dispatch('mouseover', { target: frameNamed(arg) });
  else if (kind === 'search') { prompted = arg; (windowListeners.keydown || []).forEach(fn => fn({ key: 'f', ctrlKey: true, preventDefault() {} })); }
  else if (kind === 'key') (windowListeners.keydown || []).forEach(fn => fn({ key: arg, preventDefault() {} }));
  else if (kind === 'button') doc.getElementById(arg).dispatch('click', {});
  else throw new Error('unknown action ' + action);
}
console.log(JSON.stringify({ initial, final: state(doc), alerts }));
