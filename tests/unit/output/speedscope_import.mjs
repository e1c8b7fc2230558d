// Checks cspy's speedscope JSON files against the real speedscope npm package:
//  1. the JSON schema it ships (dist/release/file-format-schema.json), with a small
//     validator for the keywords that schema uses ($ref, type, const, enum, properties,
//     required, items, anyOf);
//  2. speedscope's own importer: the browser bundle is run in a node vm with a hook that
//     exposes its import module, and the profile group it builds is compared with the file
//     (profile names, units, total weights, each frame's self weight), and, if a sidecar
//     <file>.expect.json says {"roots": [names]}, that speedscope's call trees start with
//     those frames (so stacks are read root first).
// Usage: node speedscope_import.mjs <node_modules/speedscope> <file.json>...
// Prints "ok N files" and exits 0, or prints why and exits 1.
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';

function fail(message) {
  console.error('FAIL: ' + message);
  process.exit(1);
}

function typeOk(type, v) {
  switch (type) {
    case 'object': return v !== null && typeof v === 'object' && !Array.isArray(v);
    case 'array': return Array.isArray(v);
    case 'string': return typeof v === 'string';
    case 'number': return typeof v === 'number' && Number.isFinite(v);
    case 'integer': return Number.isInteger(v);
    case 'boolean': return typeof v === 'boolean';
    case 'null': return v === null;
    default: throw new Error('validator: unsupported type ' + type);
  }
}

const supported = new Set(['$schema', '$ref', 'definitions', 'title', 'description', 'type',
  'const', 'enum', 'properties', 'required', 'items', 'anyOf', 'additionalProperties']);

// Returns a list of errors (empty when `value` matches `schema`).
function validate(schema, value, root, where) {
  for (const key of Object.keys(schema)) {
    if (!supported.has(key)) throw new Error('validator: unsupported keyword ' + key + ' at ' + where);
  }
  if (schema.$ref) {
    const name = schema.$ref.replace(/^#\/definitions\//, '');
    if (!root.definitions[name]) throw new Error('validator: unknown $ref ' + schema.$ref);
    const errs = validate(root.definitions[name], value, root, where);
    if (errs.length) return errs;
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some(t => typeOk(t, value))) return [where + ': expected ' + types.join('|')];
  }
  if ('const' in schema && value !== schema.const) return [where + ': expected ' + JSON.stringify(schema.const)];
  if (schema.enum && !schema.enum.includes(value)) return [where + ': not one of ' + schema.enum.join(',')];
  if (schema.anyOf) {
    const all = schema.anyOf.map(s => validate(s, value, root, where));
    if (!all.some(e => e.length === 0)) return [where + ': matches none of anyOf: ' + all.map(e => e[0]).join(' / ')];
  }
  const errors = [];
  if (schema.required && typeOk('object', value)) {
    for (const r of schema.required) if (!(r in value)) errors.push(where + ': missing ' + r);
  }
  if (schema.properties && typeOk('object', value)) {
    for (const [k, s] of Object.entries(schema.properties)) {
      if (k in value) errors.push(...validate(s, value[k], root, where + '.' + k));
    }
  }
  if (schema.items && Array.isArray(value)) {
    value.forEach((v, i) => errors.push(...validate(schema.items, v, root, where + '[' + i + ']')));
  }
  return errors;
}

// Runs speedscope's release bundle with a hook that hands out its import module.
function loadImporter(pkg) {
  const dir = path.join(pkg, 'dist', 'release');
  const bundle = fs.readdirSync(dir).find(f => /^speedscope-[\w-]+\.js$/.test(f));
  if (!bundle) fail('no speedscope-*.js bundle in ' + dir);
  let src = fs.readFileSync(path.join(dir, bundle), 'utf8');
  // esbuild keeps export names: `var M={};X(M,{importFromFileSystemDirectoryEntry:...`,
  // initialized lazily by `()=>(INIT(),M)`.
  const mod = /var ([\w$]+)=\{\};[\w$]+\(\1,\{importFromFileSystemDirectoryEntry:/.exec(src);
  if (!mod) fail('speedscope bundle layout not recognized (import module not found)');
  const esc = mod[1].replace(/\$/g, '\\$');
  const init = new RegExp('\\(\\)=>\\(([\\w$]+)\\(\\),' + esc + '\\)').exec(src);
  if (!init) fail('speedscope bundle layout not recognized (import module init not found)');
  const open = src.indexOf('(()=>{');
  if (open < 0) fail('speedscope bundle layout not recognized (no IIFE)');
  src = src.slice(0, open + 6) + `globalThis.__cspyImporter=()=>(${init[1]}(),${mod[1]});` +
        src.slice(open + 6);
  const quiet = { log() {}, info() {}, warn() {}, error() {}, debug() {} };
  const context = { console: quiet, TextDecoder, TextEncoder, setTimeout, clearTimeout, URL,
                    Uint8Array, ArrayBuffer, DataView };
  context.window = context;
  context.self = context;
  vm.createContext(context);
  try {
    vm.runInContext(src, context, { filename: bundle });
  } catch (err) {
    // The UI part needs a DOM; the import module is defined before it is reached.
  }
  if (typeof context.__cspyImporter !== 'function') fail('speedscope importer hook not installed');
  const importer = context.__cspyImporter();
  if (typeof importer.importProfileGroupFromText !== 'function') fail('no importProfileGroupFromText');
  return importer;
}

function near(a, b) { return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b)); }

async function checkFile(file, schema, importer) {
  const text = fs.readFileSync(file, 'utf8');
  const doc = JSON.parse(text);
  const sidecar = file.replace(/\.json$/, '.expect.json');
  const expect = fs.existsSync(sidecar) ? JSON.parse(fs.readFileSync(sidecar, 'utf8')) : null;
  const errors = validate(schema, doc, schema, '$');
  if (errors.length) fail(file + ': schema: ' + errors.slice(0, 5).join('; '));

  // A neutral file name, so speedscope must recognize the format from the content.
  const group = await importer.importProfileGroupFromText('profile.json', text);
  if (!group) fail(file + ': speedscope did not recognize the file');
  if (group.name !== doc.name) fail(file + ': group name ' + group.name + ' != ' + doc.name);
  if (group.profiles.length !== doc.profiles.length) fail(file + ': profile count differs');
  doc.profiles.forEach((p, i) => {
    const got = group.profiles[i];
    const where = file + ': profile ' + i;
    if (got.getName() !== p.name) fail(where + ': name ' + got.getName() + ' != ' + p.name);
    if (got.getWeightUnit() !== p.unit) fail(where + ': unit ' + got.getWeightUnit());
    const sum = p.weights.reduce((a, b) => a + b, 0);
    if (!near(got.getTotalWeight(), sum)) fail(where + ': total ' + got.getTotalWeight() + ' != ' + sum);
    // Self weight per frame name: the last index of each sample is its leaf.
    const expected = new Map();
    p.samples.forEach((s, k) => {
      if (s.length === 0) return;
      const name = doc.shared.frames[s[s.length - 1]].name;
      expected.set(name, (expected.get(name) || 0) + p.weights[k]);
    });
    const actual = new Map();
    got.forEachFrame(f => {
      if (f.getSelfWeight() > 0) actual.set(f.name, (actual.get(f.name) || 0) + f.getSelfWeight());
    });
    for (const [name, w] of expected) {
      if (!near(actual.get(name) || 0, w)) fail(where + ': self weight of ' + JSON.stringify(name) + ' ' + actual.get(name) + ' != ' + w);
    }
    if (actual.size !== expected.size) fail(where + ': ' + actual.size + ' leaf frames, expected ' + expected.size);
    if (expect) {
      for (const node of got.getAppendOrderCalltreeRoot().children) {
        if (!expect.roots.includes(node.frame.name)) fail(where + ': unexpected root frame ' + JSON.stringify(node.frame.name));
      }
    }
  });
}

const [pkg, ...files] = process.argv.slice(2);
if (!pkg || files.length === 0) fail('usage: node speedscope_import.mjs <speedscope package dir> <file.json>...');
const schema = JSON.parse(fs.readFileSync(path.join(pkg, 'dist', 'release', 'file-format-schema.json'), 'utf8'));
const importer = loadImporter(pkg);
for (const file of files) await checkFile(file, schema, importer);
console.log('ok ' + files.length + ' files');
