'use strict';
// Labda Node.js runtime bootstrap: `node /var/runtime/bootstrap.js`.
//
// A client of the Lambda Runtime API (2018-06-01) that follows the behaviour of
// aws-lambda-nodejs-runtime-interface-client: load _HANDLER once, then loop
// GET next -> run handler -> POST response|error. Node 18 APIs only, no deps.
//
// Transport: HTTP/1.1 over the Unix socket in LABDA_RUNTIME_SOCKET, otherwise
// TCP to AWS_LAMBDA_RUNTIME_API ("host:port").

const fs = require('fs');
const http = require('http');
const path = require('path');
const util = require('util');
const { pathToFileURL } = require('url');

// ---------------------------------------------------------------- errors ---
// Same names as the official client: the prototype name is what ends up in
// errorType and in the first line of the stack.
const runtimeError = (name) => {
  const cls = class extends Error {};
  cls.prototype.name = `Runtime.${name}`;
  return cls;
};
const [ImportModuleError, HandlerNotFound, MalformedHandlerName, UserCodeSyntaxError,
  UnhandledPromiseRejection, MarshalError, UnmarshalError] = ['ImportModuleError', 'HandlerNotFound',
  'MalformedHandlerName', 'UserCodeSyntaxError', 'UnhandledPromiseRejection', 'MarshalError',
  'UnmarshalError'].map(runtimeError);

const isError = (e) => util.types.isNativeError(e) || (e instanceof Object &&
  typeof e.name === 'string' && typeof e.message === 'string' && typeof e.stack === 'string');

// Body of POST .../error and /init/error. Non-errors (callback("boom"),
// context.fail()) become {errorType: typeof value, errorMessage: String(value)}.
function toRapidResponse(err) {
  try {
    if (isError(err)) {
      return { errorType: err.name, errorMessage: err.message, trace: err.stack.split('\n') };
    }
    return { errorType: typeof err, errorMessage: err.toString(), trace: [] };
  } catch (_) {
    return {
      errorType: 'handled',
      errorMessage: 'callback called with Error argument, but there was a problem while ' +
        'retrieving one or more of its message, name, and stack',
    };
  }
}

// The "\t{...}" suffix of "Invoke Error" / "Uncaught Exception" log lines:
// errors (also nested ones, e.g. `cause`) are expanded with their enumerable
// properties and the stack as an array of lines.
function toFormatted(err) {
  try {
    return '\t' + JSON.stringify(err, (_k, v) => {
      if (!(v instanceof Error)) return v;
      const out = Object.assign({ errorType: v.name, errorMessage: v.message, code: v.code }, v);
      if (typeof v.stack === 'string') out.stack = v.stack.split('\n');
      return out;
    });
  } catch (_) {
    return '\t' + JSON.stringify(toRapidResponse(err));
  }
}

// --------------------------------------------------------------- logging ---
let currentRequestId; // printed as "undefined" before the first invocation, as on AWS

// Synchronous write of a whole buffer. stdout is a pipe in the container, and
// a record must be out before the result is POSTed (log ordering). If user code
// touched process.stdout, libuv may have made the fd non-blocking: spin on EAGAIN.
function writeFd(fd, text) {
  const buf = Buffer.from(text);
  for (let off = 0; off < buf.length;) {
    try {
      off += fs.writeSync(fd, buf, off);
    } catch (e) {
      if (e.code !== 'EAGAIN') return; // closed/broken stream: drop the record
    }
  }
}

// Lambda's log descriptor (see entrypoint.sh): each record goes out as one
// frame (0xA55A0003, length, timestamp in microseconds, text), so a record
// with newlines stays one log event, as the official client writes it. Taken
// out of the environment: it is not the function's business.
const LOG_FD = Number(process.env._LAMBDA_TELEMETRY_LOG_FD) || null;
delete process.env._LAMBDA_TELEMETRY_LOG_FD;

// One record: "<ISO time>\t<request id>\t<LEVEL>\t<message>". Without the
// log descriptor it is one line of `fd`, newlines inside it turned into \r
// (Lambda's text log format).
function formatRecord(level, args) {
  return `${new Date().toISOString()}\t${currentRequestId}\t${level}\t${util.format(...args)}`;
}

function writeRecord(fd, record) {
  if (LOG_FD === null) return writeFd(fd, record.replace(/\n/g, '\r') + '\n');
  const text = Buffer.from(record);
  const header = Buffer.alloc(16);
  header.writeUInt32BE(0xa55a0003, 0);
  header.writeUInt32BE(text.length, 4);
  header.writeBigUInt64BE(BigInt(Date.now()) * 1000n, 8);
  writeFd(LOG_FD, Buffer.concat([header, text]));
}

function patchConsole() {
  const levels = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE', fatal: 'FATAL' };
  for (const [method, level] of Object.entries(levels)) {
    console[method] = (...args) => writeRecord(1, formatRecord(level, args));
  }
}

// Messages about the runtime itself (not the function): stderr, no record format.
const internalLog = (msg) => writeFd(2, `[labda-bootstrap] ${msg}\n`);

// ----------------------------------------------------------- runtime API ---
const SOCKET = process.env.LABDA_RUNTIME_SOCKET;
const API = process.env.AWS_LAMBDA_RUNTIME_API || '';
// keepAlive: one connection is reused for the whole life of the process. Idle
// keep-alive sockets are unref'd by the agent, so they don't keep the event
// loop alive (this matters for the beforeExit logic below).
const agent = new http.Agent({ keepAlive: true });

function target() {
  if (SOCKET) return { socketPath: SOCKET };
  const i = API.lastIndexOf(':');
  return { host: API.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(API.slice(i + 1)) };
}

// Resolves {status, headers, body}; no timeout (GET next long-polls).
function request(method, urlPath, body, headers = {}, retried = false) {
  return new Promise((resolve, reject) => {
    const hdrs = body === undefined ? headers
      : { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) };
    const req = http.request({ ...target(), agent, method, path: `/2018-06-01${urlPath}`, headers: hdrs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', (err) => {
      // The server may close an idle keep-alive connection just as we reuse it.
      if (req.reusedSocket && !retried && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
        request(method, urlPath, body, headers, true).then(resolve, reject);
      } else reject(err);
    });
    req.end(body);
  });
}

// POST an error body; Lambda-Runtime-Function-Error-Type must be a valid header value.
function postError(urlPath, err) {
  const body = toRapidResponse(err);
  const type = String(body.errorType).replace(/[^\x20-\x7e]/g, '');
  return post(urlPath, JSON.stringify(body), { 'Lambda-Runtime-Function-Error-Type': type });
}

async function post(urlPath, body, headers) {
  const res = await request('POST', urlPath, body, headers);
  if (res.status < 200 || res.status > 299) internalLog(`POST ${urlPath} -> HTTP ${res.status}: ${res.body}`);
}

// --------------------------------------------------------- handler loading ---
const requireIfExists = (file) => (fs.existsSync(file) ? require(file) : undefined);
const importIfExists = async (file) => {
  if (!fs.existsSync(file)) return undefined;
  registerEsmHooks();
  return import(pathToFileURL(file).href);
};

// ES modules ignore NODE_PATH. As AWS's runtimes do since Node.js 18, a bare
// `import ... from 'pkg'` that Node's own resolution cannot find is looked up
// in the NODE_PATH folders too: the layers' /opt/nodejs/node_modules and the
// runtime's SDK. (module.register: Node >= 18.19; the hooks run off-thread.)
const ESM_HOOKS = `
import { pathToFileURL } from 'node:url';
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (err) {
    if (!err || err.code !== 'ERR_MODULE_NOT_FOUND' || /^(\\.|\\/|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(specifier)) throw err;
    for (const dir of (process.env.NODE_PATH || '').split(':').filter(Boolean)) {
      try {
        return await next(specifier, { ...context, parentURL: pathToFileURL(dir + '/').href });
      } catch (_) { /* not in this folder */ }
    }
    throw err;
  }
}`;
let esmHooks = false;
function registerEsmHooks() {
  const { register } = require('module');
  if (esmHooks || typeof register !== 'function') return;
  esmHooks = true;
  register('data:text/javascript,' + encodeURIComponent(ESM_HOOKS));
}

// Is `dir` inside a package whose nearest package.json says "type": "module"?
function isTypeModule(dir) {
  for (;;) {
    if (dir.endsWith('/node_modules')) return false;
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj)) {
      try { return JSON.parse(fs.readFileSync(pj, 'utf8')).type === 'module'; } catch (_) { return false; }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return false;
    dir = parent;
  }
}

// Same lookup order as the official client: extensionless (or folder), .js
// (require, or import when package.json has type=module), .mjs (import), .cjs,
// and finally Node resolution from the task root (e.g. a package in node_modules).
async function loadModule(taskRoot, moduleRoot, name) {
  const file = path.resolve(taskRoot, moduleRoot, name);
  const esm = fs.existsSync(file + '.js') && isTypeModule(path.dirname(file));
  return requireIfExists(file) ||
    (!esm && requireIfExists(file + '.js')) ||
    (esm && await importIfExists(file + '.js')) ||
    await importIfExists(file + '.mjs') ||
    requireIfExists(file + '.cjs') ||
    require(require.resolve(name, { paths: [taskRoot, path.resolve(taskRoot, moduleRoot)] }));
}

async function loadHandler(taskRoot, fullHandler) {
  if (fullHandler.includes('..')) {
    throw new MalformedHandlerName(`'${fullHandler}' is not a valid handler name. ` +
      'Use absolute paths when specifying root directories in handler names.');
  }
  // "src/app.handler" -> moduleRoot "src/", module "app", handler path "handler" (may be nested: "a.b").
  const base = path.basename(fullHandler);
  const moduleRoot = fullHandler.slice(0, fullHandler.lastIndexOf(base));
  const match = base.match(/^([^.]*)\.(.*)$/);
  if (!match) throw new MalformedHandlerName('Bad handler');

  let app;
  try {
    app = await loadModule(taskRoot, moduleRoot, match[1]);
  } catch (e) {
    // Message is String(e), e.g. "Error: Cannot find module 'index'\nRequire stack:..."
    if (e instanceof SyntaxError) throw new UserCodeSyntaxError(String(e));
    if (e && e.code === 'MODULE_NOT_FOUND') throw new ImportModuleError(String(e));
    throw e;
  }
  const fn = match[2].split('.').reduce((obj, key) => obj && obj[key], app);
  if (!fn) throw new HandlerNotFound(`${fullHandler} is undefined or not exported`);
  if (typeof fn !== 'function') throw new HandlerNotFound(`${fullHandler} is not a function`);
  return fn;
}

// -------------------------------------------------------------- invoking ---
let initDone = false;
let current = null; // the in-flight invocation: { id, posting: Promise|null }
// Called when the event loop drains ('beforeExit'). This is how the official
// client implements callbackWaitsForEmptyEventLoop, and also how a handler that
// neither returns a promise nor calls back is answered: with null, once nothing
// is left to run. While a handler has timers/sockets pending, we keep waiting.
let onDrain = null;
process.on('beforeExit', () => {
  const fn = onDrain;
  onDrain = null;
  if (fn) fn();
});

function parseHeaderJson(value, name) {
  try {
    return value === undefined ? undefined : JSON.parse(value);
  } catch (e) {
    throw new Error(`Cannot parse ${name} as json: ${e}`);
  }
}

// Runs one invocation; resolves once its result or error has been POSTed.
function invoke(handler, res) {
  const h = res.headers;
  const id = h['lambda-runtime-aws-request-id'];
  const deadline = Number(h['lambda-runtime-deadline-ms']);
  currentRequestId = id;
  if (h['lambda-runtime-trace-id']) process.env._X_AMZN_TRACE_ID = h['lambda-runtime-trace-id'];
  else delete process.env._X_AMZN_TRACE_ID;
  const inv = current = { id, posting: null };

  return new Promise((resolveDone) => {
    let finished = false; // only the first completion counts
    let waitForEmptyLoop = true;

    const send = (fn) => {
      onDrain = null;
      inv.posting = fn().catch((e) => internalLog(`cannot post result of ${id}: ${e.message}`));
      inv.posting.then(() => { if (current === inv) current = null; resolveDone(); });
    };
    const sendResponse = (result) => send(() => {
      let body;
      try {
        body = JSON.stringify(result === undefined ? null : result);
      } catch (_) {
        return reportError(new MarshalError('Unable to stringify response body'));
      }
      return post(`/runtime/invocation/${id}/response`, body === undefined ? 'null' : body);
    });
    const reportError = (err) => {
      console.error('Invoke Error', toFormatted(err));
      return postError(`/runtime/invocation/${id}/error`, err);
    };
    const sendError = (err) => send(() => reportError(err));

    // Node-style callback. On success with callbackWaitsForEmptyEventLoop the
    // response is held until the loop drains (setImmediate as the official
    // client does, so that anything queued by beforeExit listeners runs first).
    const callback = (err, result) => {
      if (finished) return;
      finished = true;
      if (err !== undefined && err !== null) sendError(err);
      else if (!waitForEmptyLoop) sendResponse(result);
      else onDrain = () => setImmediate(() => sendResponse(result));
    };
    // Legacy context methods: never wait for the event loop.
    const done = (err, result) => {
      if (finished) return;
      finished = true;
      if (err !== undefined && err !== null) sendError(err);
      else sendResponse(result);
    };
    const succeed = (result) => done(null, result);
    const fail = (err) => done(err === undefined || err === null ? 'handled' : err, null);

    // Default: loop drained without any completion -> respond null.
    onDrain = () => { if (!finished) { finished = true; sendResponse(null); } };

    try {
      let event;
      try {
        event = JSON.parse(res.body);
      } catch (e) {
        throw new UnmarshalError(`Unable to parse event body as JSON: ${e.message}`);
      }
      const context = {
        get callbackWaitsForEmptyEventLoop() { return waitForEmptyLoop; },
        set callbackWaitsForEmptyEventLoop(v) { waitForEmptyLoop = v; },
        succeed, fail, done,
        functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
        functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
        memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
        logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
        logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
        clientContext: parseHeaderJson(h['lambda-runtime-client-context'], 'ClientContext'),
        identity: parseHeaderJson(h['lambda-runtime-cognito-identity'], 'CognitoIdentity'),
        invokedFunctionArn: h['lambda-runtime-invoked-function-arn'],
        awsRequestId: id,
        getRemainingTimeInMillis: () => deadline - Date.now(),
      };
      const result = handler(event, context, callback);
      // Thenables settle the invocation; anything else waits for callback/context/drain.
      if (result && typeof result.then === 'function') result.then(succeed, fail);
    } catch (err) {
      callback(err); // errors are sent at once, never held for the event loop
    }
  });
}

// ------------------------------------------------------------ crash path ---
let crashing = false;

// Uncaught exception / unhandled rejection / init failure: print the error,
// report it (init error before the first invocation, else as the current
// invocation's error) and exit. The platform starts a fresh process.
async function crash(label, err, exitCode) {
  if (crashing) return;
  crashing = true;
  writeRecord(2, formatRecord('ERROR', [label, toFormatted(err)]));
  try {
    if (!initDone) await postError('/runtime/init/error', err);
    else if (current && !current.posting) await postError(`/runtime/invocation/${current.id}/error`, err);
    else if (current) await current.posting; // a result is on its way: let it arrive
  } catch (e) {
    internalLog(`cannot report error: ${e.message}`);
  }
  process.exit(exitCode);
}

// Exit codes: 1 for init errors; 129 / 128 for uncaught exception / unhandled
// rejection during invocations, as the official client does.
process.on('uncaughtException', (err) => crash('Uncaught Exception', err, initDone ? 129 : 1));
process.on('unhandledRejection', (reason) => {
  let msg;
  try { msg = reason === undefined || reason === null ? '' : reason.toString(); } catch (_) { msg = typeof reason; }
  const err = new UnhandledPromiseRejection(msg);
  crash('Unhandled Promise Rejection', err, initDone ? 128 : 1);
});

// ------------------------------------------------------------------ main ---
async function main() {
  patchConsole();
  if (!SOCKET && !API.includes(':')) {
    internalLog('neither LABDA_RUNTIME_SOCKET nor AWS_LAMBDA_RUNTIME_API (host:port) is set');
    process.exit(1);
  }
  const taskRoot = process.env.LAMBDA_TASK_ROOT || '/var/task';
  let handler;
  try {
    handler = await loadHandler(taskRoot, process.env._HANDLER || '');
  } catch (err) {
    return crash('Uncaught Exception', err, 1);
  }
  initDone = true;

  for (;;) {
    const res = await request('GET', '/runtime/invocation/next');
    if (res.status === 410) process.exit(0); // Runtime.Closing: the environment is shutting down
    if (res.status !== 200) throw new Error(`GET /runtime/invocation/next -> HTTP ${res.status}: ${res.body}`);
    await invoke(handler, res);
  }
}

main().catch((err) => {
  // Runtime API unreachable or misbehaving: nothing to report to, just exit.
  internalLog(`fatal: ${err && err.stack}`);
  process.exit(1);
});
