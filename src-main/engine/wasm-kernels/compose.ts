/**
 * Composing kernels out of other wasm kernels, without going through the engine: each step
 * calls a registered kernel function directly on TensorInfos (as the backends' own kernels
 * do), and every intermediate is released through the backend's reference counts.
 * The heavy lifting therefore stays in wasm (XNNPACK convolutions, transposes, pads).
 */
import { getKernel } from '@tensorflow/tfjs';
import type { KernelBackend, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';

export const WASM = 'wasm';

/** The kernel function registered for `name` on wasm; throws a clear error when absent. */
export function wasmKernel(name: string): KernelFunc {
  const config = getKernel(name, WASM);
  if (!config) {
    throw new Error(`wasm kernel "${name}" is not registered: import @tensorflow/tfjs-backend-wasm before registering the training kernels`);
  }
  return config.kernelFunc;
}

/**
 * A scratch scope inside one kernel call: `run` invokes a kernel and remembers its output;
 * `release` frees every remembered output except those passed to `keep`.
 */
export class KernelScope {
  private readonly temps: TensorInfo[] = [];

  readonly backend: KernelBackend;

  /** `backend` as kernel functions receive it (typed `{}` by TF.js). */
  constructor(backend: object) {
    this.backend = backend as KernelBackend;
  }

  run(kernel: KernelFunc, inputs: NamedTensorInfoMap, attrs: object = {}): TensorInfo {
    const out = kernel({ inputs, backend: this.backend, attrs: attrs as NamedAttrMap });
    if (Array.isArray(out)) throw new Error('KernelScope.run: kernels with several outputs are not supported');
    this.temps.push(out);
    return out;
  }

  /** Output of a scope that must survive `release` (the kernel's result). */
  keep(t: TensorInfo): TensorInfo {
    const i = this.temps.indexOf(t);
    if (i >= 0) this.temps.splice(i, 1);
    return t;
  }

  release(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId);
    this.temps.length = 0;
  }
}

/**
 * The part of an input axis of length `n` a correlation reads when it is padded by
 * `padBefore` (may be negative: rows skipped) and must cover `span` padded positions:
 * which real rows to slice (`begin`, `size`) and how many zeros to add on each side.
 */
export interface AxisWindow {
  begin: number;
  size: number;
  padBefore: number;
  padAfter: number;
}

export function axisWindow(n: number, padBefore: number, span: number): AxisWindow {
  const start = -padBefore;
  const end = start + span;
  const begin = Math.max(0, Math.min(n, start));
  const stop = Math.max(begin, Math.min(n, end));
  return { begin, size: stop - begin, padBefore: begin - start, padAfter: end - stop };
}

/** Permutation swapping the last two axes of a rank-r tensor. */
export function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}
