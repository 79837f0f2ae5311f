// Starts the board's WebAssembly UI (in a file of its own, so that the
// page's Content-Security-Policy needs no inline script).
import init, * as bindings from '/ops/board.js';

const wasm = await init({ module_or_path: '/ops/board_bg.wasm' });
window.wasmBindings = bindings;
dispatchEvent(new CustomEvent('TrunkApplicationStarted', { detail: { wasm } }));
