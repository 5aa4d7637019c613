// The `layers` ESLint plugin: the allow-list of eslint/layers.js, enforced on every import form.
//
//   layers/allowed-imports  each file's imports (static, type, re-export, import(), require(),
//                           createRequire(...)(...), `typeof import()`) must be on its layer's list
//   layers/no-dynamic-load  import(), require and createRequire (node:module) only in engine/ and
//                           the one native loader module (LOADER)
import { builtinModules } from 'node:module';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileExtras, layers, LOADER } from './layers.js';

const builtins = new Set(builtinModules.filter((m) => !m.startsWith('_')));

/** Project-relative, '/'-separated path of a lint target. */
function projectPath(context) {
  return relative(context.cwd, context.filename).split(sep).join('/');
}

/** The layer a project-relative path belongs to: src-main/<layer>/… or src-renderer/… (null: none). */
function layerOf(path) {
  if (path.startsWith('src-renderer/')) return { layer: 'renderer', module: 'renderer' };
  const m = /^src-main\/([^/]+)\/(.+)$/.exec(path);
  if (!m) return null;
  const rest = m[2].replace(/\.(ts|mts|js|mjs|vue)$/, '').replace(/\/index$/, '');
  return { layer: m[1], module: rest === 'index' ? m[1] : `${m[1]}/${rest}` };
}

/** What a specifier names: a built-in, a package, or a module of a layer. */
function classify(spec, context) {
  if (spec.startsWith('node:')) return { kind: 'builtin', name: spec.slice(5).split('/')[0] };
  if (spec.startsWith('.') || spec.startsWith('/')) {
    const abs = resolve(dirname(context.filename), spec);
    const path = relative(context.cwd, abs).split(sep).join('/');
    if (path.startsWith('src-renderer/')) return { kind: 'layer', layer: 'renderer', module: 'renderer', path };
    const m = /^src-main\/([^/]+)(?:\/(.*))?$/.exec(path);
    if (!m) return { kind: 'file', path };
    const rest = (m[2] ?? '').replace(/\.(ts|mts|js|mjs|vue)$/, '').replace(/(^|\/)index$/, '');
    return { kind: 'layer', layer: m[1], module: rest ? `${m[1]}/${rest}` : m[1], path };
  }
  const parts = spec.split('/');
  const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  if (builtins.has(name) || builtins.has(spec)) return { kind: 'builtin', name };
  return { kind: 'package', name };
}

// an entry names a module and what lies below it ('engine' the folder, 'engine/pool' one module);
// '<folder>/index' names the folder's index module alone (imported as '<folder>' or '<folder>/index')
const covers = (entry, module) => (entry.endsWith('/index') ? module === entry.slice(0, -'/index'.length) : module === entry || module.startsWith(`${entry}/`));

/** Every module specifier a file names, with whether the import carries values (not types only). */
function importVisitors(onImport) {
  const literal = (node) => (node && node.type === 'Literal' && typeof node.value === 'string' ? node.value : node && node.type === 'TemplateLiteral' && node.expressions.length === 0 ? node.quasis[0].value.cooked : null);
  const requireNames = new Set(['require']);
  const calls = [];
  const typeOnlyImport = (node) => node.importKind === 'type' || (node.specifiers.length > 0 && node.specifiers.every((s) => s.type === 'ImportSpecifier' && s.importKind === 'type'));
  return {
    ImportDeclaration: (node) => onImport(node, node.source.value, !typeOnlyImport(node)),
    ExportNamedDeclaration: (node) => node.source && onImport(node, node.source.value, node.exportKind !== 'type' && !node.specifiers.every((s) => s.exportKind === 'type')),
    ExportAllDeclaration: (node) => onImport(node, node.source.value, node.exportKind !== 'type'),
    ImportExpression: (node) => {
      const s = literal(node.source);
      if (s !== null) onImport(node, s, true);
    },
    TSImportType: (node) => {
      const s = literal(node.source ?? node.argument?.literal);
      if (s !== null) onImport(node, s, false);
    },
    TSImportEqualsDeclaration: (node) => {
      const ref = node.moduleReference;
      if (ref.type === 'TSExternalModuleReference' && literal(ref.expression) !== null) onImport(node, literal(ref.expression), node.importKind !== 'type');
    },
    // const req = createRequire(...); req('x')   and   createRequire(...)('x')   and   require('x')
    VariableDeclarator: (node) => {
      if (node.id.type === 'Identifier' && node.init?.type === 'CallExpression' && node.init.callee.type === 'Identifier' && node.init.callee.name === 'createRequire') requireNames.add(node.id.name);
    },
    CallExpression: (node) => calls.push(node),
    'Program:exit': () => {
      for (const node of calls) {
        const c = node.callee;
        const isRequire = (c.type === 'Identifier' && requireNames.has(c.name)) || (c.type === 'CallExpression' && c.callee.type === 'Identifier' && c.callee.name === 'createRequire');
        const s = isRequire ? literal(node.arguments[0]) : null;
        if (s !== null) onImport(node, s, true);
      }
    },
  };
}

const allowedImports = {
  meta: {
    type: 'problem',
    docs: { description: 'each runtime layer imports only what eslint/layers.js allows it' },
    schema: [],
    messages: {
      noLayer: "'{{path}}' is in src-main but in no layer of eslint/layers.js: put it in a layer folder",
      denied: "{{layer}} may not import '{{spec}}' ({{what}}): {{note}}",
      typesOnly: "{{layer}} may import only types from '{{spec}}' (import type): values come only from {{values}}",
    },
  },
  create(context) {
    const file = projectPath(context);
    const here = layerOf(file);
    if (!here) {
      if (file.startsWith('src-main/')) context.report({ loc: { line: 1, column: 0 }, messageId: 'noLayer', data: { path: file } });
      return {};
    }
    const spec = layers[here.layer];
    if (!spec) {
      context.report({ loc: { line: 1, column: 0 }, messageId: 'noLayer', data: { path: file } });
      return {};
    }
    const extra = fileExtras[file] ?? {};
    const packages = new Set([...spec.packages, ...(extra.packages ?? [])]);
    return importVisitors((node, source, values) => {
      const t = classify(source, context);
      let what = null;
      if (t.kind === 'builtin') what = spec.builtins ? null : `the Node built-in '${t.name}'`;
      else if (t.kind === 'package') what = packages.has(t.name) ? null : `the package ${t.name}`;
      else if (t.kind === 'file') what = `${t.path}, outside every layer`;
      else if (!spec.layers.some((e) => covers(e, t.module))) what = t.layer === here.layer ? t.module : `${t.module}, of the ${t.layer} layer`;
      if (what) {
        context.report({ node, messageId: 'denied', data: { layer: here.layer, spec: source, what, note: spec.note } });
        return;
      }
      if (values && spec.values && t.kind === 'layer' && t.layer !== here.layer && !spec.values.some((e) => covers(e, t.module))) {
        context.report({ node, messageId: 'typesOnly', data: { layer: here.layer, spec: source, values: spec.values.join(', ') } });
      }
    });
  },
};

const noDynamicLoad = {
  meta: {
    type: 'problem',
    docs: { description: 'import(), require and createRequire only in engine/ and the native loader module' },
    schema: [],
    messages: {
      dynamic: `{{how}} loads code at run time: only engine/ and ${LOADER} may (import statically, or load an optional native dependency through ${LOADER})`,
    },
  },
  create(context) {
    const file = projectPath(context);
    if (file === LOADER || file.startsWith('src-main/engine/')) return {};
    const report = (node, how) => context.report({ node, messageId: 'dynamic', data: { how } });
    const isModule = (s) => s === 'module' || s === 'node:module';
    return {
      ImportExpression: (node) => report(node, 'import()'),
      ImportDeclaration: (node) => isModule(node.source.value) && node.importKind !== 'type' && report(node, `importing ${node.source.value} (createRequire)`),
      ExportNamedDeclaration: (node) => node.source && isModule(node.source.value) && node.exportKind !== 'type' && report(node, `re-exporting ${node.source.value} (createRequire)`),
      ExportAllDeclaration: (node) => isModule(node.source.value) && node.exportKind !== 'type' && report(node, `re-exporting ${node.source.value} (createRequire)`),
      TSImportEqualsDeclaration: (node) => node.moduleReference.type === 'TSExternalModuleReference' && report(node, 'import = require()'),
      CallExpression: (node) => {
        const c = node.callee;
        if (c.type === 'Identifier' && (c.name === 'require' || c.name === 'createRequire')) report(node, `${c.name}()`);
        else if (c.type === 'MemberExpression' && c.property.type === 'Identifier' && c.property.name === 'createRequire') report(node, 'createRequire()');
      },
    };
  },
};

export default { meta: { name: 'layers' }, rules: { 'allowed-imports': allowedImports, 'no-dynamic-load': noDynamicLoad } };
