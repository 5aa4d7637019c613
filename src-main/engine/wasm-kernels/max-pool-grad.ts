/**
 * MaxPoolGrad for the wasm backend, replacing the stock kernel, which is wrong: it starts
 * each window's maximum at 0, so a window whose values are all negative passes no gradient
 * at all (a 1×1 pool over [-0.26] gives dx = 0 instead of dy). MaxPoolWithArgmax on wasm has
 * the same flaw, so it cannot stand in.
 *
 * Built from wasm kernels, one pass per window offset (u, v) over tensors of dy's size:
 *   the -∞-padded input is rearranged once by the strides (space-to-batch: a reshape and a
 *   transpose) so that S = the input at offset (u, v) of every window is a plain slice;
 *   chosen = (S == y) and not chosen at an earlier offset — the first maximum in row-major
 *   window order, the cpu backend's tie rule; dy where chosen is zero-padded into its block,
 *   and the blocks are rearranged back (batch-to-space) and cropped to the input.
 */
import { backend_util } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, MaxPoolGradAttrs, TensorInfo } from '@tensorflow/tfjs';
import { KernelScope, WASM, wasmKernel } from './compose';

export const maxPoolGrad: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, input, output } = inputs as { dy: TensorInfo; input: TensorInfo; output?: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs;
  if (input.dtype !== 'float32' || dy.dtype !== 'float32') {
    throw new Error(`MaxPoolGrad (wasm): float32 tensors expected, got input ${input.dtype} and dy ${dy.dtype}`);
  }
  const [b, h, w, c] = input.shape;
  const info = backend_util.computePool2DInfo([b, h, w, c], filterSize, strides, 1, pad, dimRoundingMode);
  const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const { top, left } = info.padInfo;
  if (dy.shape.join() !== [b, oh, ow, c].join()) {
    throw new Error(`MaxPoolGrad (wasm): dy has shape [${dy.shape}] but the pooling gives [${[b, oh, ow, c]}]`);
  }
  const s = new KernelScope(backend);
  const k = {
    slice: wasmKernel('Slice'),
    transpose: wasmKernel('Transpose'),
    add: wasmKernel('Add'),
    equal: wasmKernel('Equal'),
    and: wasmKernel('LogicalAnd'),
    or: wasmKernel('LogicalOr'),
    not: wasmKernel('LogicalNot'),
    select: wasmKernel('Select'),
    reshape: wasmKernel('Reshape'),
    pad: wasmKernel('PadV2'),
  };
  try {
    if (b * oh * ow * c === 0) {
      return s.keep(s.run(wasmKernel('Fill'), {}, { shape: input.shape, value: 0, dtype: 'float32' }));
    }
    const y = output ?? s.run(wasmKernel('MaxPool'), { x: input }, { filterSize, strides, pad, dimRoundingMode });
    // canvas of nH·sh × nW·sw rows/columns: every window offset fits, and so does top + h
    const nH = Math.max(oh + Math.floor((fh - 1) / sh), Math.ceil((top + h) / sh));
    const nW = Math.max(ow + Math.floor((fw - 1) / sw), Math.ceil((left + w) / sw));
    const padded = s.run(k.pad, { x: input }, {
      paddings: [[0, 0], [top, nH * sh - top - h], [left, nW * sw - left - w], [0, 0]],
      constantValue: -Infinity,
    });
    // space-to-batch by the strides: block (r, r2) holds canvas rows a·sh + r, columns
    // a2·sw + r2, so window offset (u, v) = (a·sh + r, a2·sw + r2) is a plain 4-D slice
    // (two transposes of rank ≤ 4: the wasm rank-5 transpose is ~10× slower)
    const t1 = s.run(k.transpose, { x: s.run(k.reshape, { x: padded }, { shape: [b * nH, sh, nW * sw * c] }) }, { perm: [1, 0, 2] });
    const t2 = s.run(k.transpose, { x: s.run(k.reshape, { x: t1 }, { shape: [sh * b * nH, nW, sw, c] }) }, { perm: [2, 0, 1, 3] });
    const blocks = s.run(k.reshape, { x: t2 }, { shape: [sw * sh * b, nH, nW, c] }); // block r2·sh + r
    const zeros = s.run(wasmKernel('ZerosLike'), { x: dy });
    const acc: (TensorInfo | undefined)[] = new Array(sh * sw);
    let taken: TensorInfo | null = null;
    for (let u = 0; u < fh; u++) {
      for (let v = 0; v < fw; v++) {
        const [a, r, a2, r2] = [Math.floor(u / sh), u % sh, Math.floor(v / sw), v % sw];
        const block = r2 * sh + r;
        const window = s.run(k.slice, { x: blocks }, { begin: [block * b, a, a2, 0], size: [b, oh, ow, c] });
        const isMax = s.run(k.equal, { a: window, b: y });
        // first maximum in row-major window order (the cpu backend's tie rule)
        const chosen: TensorInfo = taken ? s.run(k.and, { a: isMax, b: s.run(k.not, { x: taken }) }) : isMax;
        if (u < fh - 1 || v < fw - 1) taken = taken ? s.run(k.or, { a: taken, b: isMax }) : isMax;
        const grad = s.run(k.select, { condition: chosen, t: dy, e: zeros });
        const placed = s.run(k.pad, { x: grad }, {
          paddings: [[0, 0], [a, nH - oh - a], [a2, nW - ow - a2], [0, 0]],
          constantValue: 0,
        });
        const prev = acc[block];
        acc[block] = prev ? s.run(k.add, { a: prev, b: placed }) : placed;
      }
    }
    let empty: TensorInfo | null = null;
    const parts = Array.from(acc, (t) => t ?? (empty ??= s.run(wasmKernel('Fill'), {}, { shape: [b, nH, nW, c], value: 0, dtype: 'float32' })));
    const joined = parts.length === 1 ? parts[0] : s.run(wasmKernel('Concat'), parts as unknown as Record<string, TensorInfo>, { axis: 0 });
    const u1 = s.run(k.transpose, { x: s.run(k.reshape, { x: joined }, { shape: [sw, sh * b * nH, nW, c] }) }, { perm: [1, 2, 0, 3] });
    const u2 = s.run(k.transpose, { x: s.run(k.reshape, { x: u1 }, { shape: [sh, b * nH, nW * sw * c] }) }, { perm: [1, 0, 2] });
    const canvas = s.run(k.reshape, { x: u2 }, { shape: [b, nH * sh, nW * sw, c] });
    if (top === 0 && left === 0 && nH * sh === h && nW * sw === w) return s.keep(canvas);
    return s.keep(s.run(k.slice, { x: canvas }, { begin: [0, top, left, 0], size: [b, h, w, c] }));
  } finally {
    s.release();
  }
};

export const maxPoolGradConfig: KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: WASM,
  kernelFunc: maxPoolGrad,
};
