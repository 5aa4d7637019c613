/**
 * Conv2DBackpropInput for the wasm backend, replacing the stock one (a scalar C++ loop that
 * takes ~75% of a training step of a 32/64 CNN) by one XNNPACK convolution:
 *
 *   dx[b, r, c, i] = Σ_{u, v, o} dyDilated[b, r - (fh-1-top) + u, c - (fw-1-left) + v, o]
 *                               · W[fh-1-u, fw-1-v, i, o]
 *
 * i.e. a stride-1 correlation of dy (zeros inserted between rows/columns when strided) with
 * the filter flipped in space and its channel axes swapped. Padding turns into a window over
 * the dilated dy: slices where the forward padding was negative-equivalent, zeros elsewhere.
 */
import { backend_util } from '@tensorflow/tfjs';
import type { Conv2DBackpropInputAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { KernelScope, WASM, axisWindow, wasmKernel } from './compose';

export const conv2DBackpropInput: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as Conv2DBackpropInputAttrs;
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32') {
    throw new Error(`Conv2DBackpropInput (wasm): float32 tensors expected, got dy ${dy.dtype} and filter ${filter.dtype}`);
  }
  const channelsLast = backend_util.convertConv2DDataFormat(dataFormat ?? 'NHWC') === 'channelsLast';
  const [b, d1, d2, d3] = inputShape;
  const xShape: [number, number, number, number] = channelsLast ? [b, d1, d2, d3] : [b, d2, d3, d1];
  const [fh, fw, ci, co] = filter.shape;
  const info = backend_util.computeConv2DInfo(xShape, [fh, fw, ci, co], strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const { inHeight, inWidth, outHeight, outWidth, strideHeight: sh, strideWidth: sw } = info;
  const expectDy = channelsLast ? [b, outHeight, outWidth, co] : [b, co, outHeight, outWidth];
  if (dy.shape.join() !== expectDy.join()) {
    throw new Error(`Conv2DBackpropInput (wasm): dy has shape [${dy.shape}] but the convolution gives [${expectDy}]`);
  }

  const s = new KernelScope(backend);
  const transpose = wasmKernel('Transpose');
  const reshape = wasmKernel('Reshape');
  try {
    let d = channelsLast ? dy : s.run(transpose, { x: dy }, { perm: [0, 2, 3, 1] }); // [b, oh, ow, co]
    if (sh > 1 || sw > 1) {
      const d6 = s.run(reshape, { x: d }, { shape: [b, outHeight, 1, outWidth, 1, co] });
      const padded = s.run(wasmKernel('PadV2'), { x: d6 }, {
        paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]],
        constantValue: 0,
      });
      d = s.run(reshape, { x: padded }, { shape: [b, outHeight * sh, outWidth * sw, co] });
    }
    const rows = axisWindow(outHeight * sh, fh - 1 - info.padInfo.top, inHeight + fh - 1);
    const cols = axisWindow(outWidth * sw, fw - 1 - info.padInfo.left, inWidth + fw - 1);
    if (rows.size === 0 || cols.size === 0 || b === 0) {
      return s.keep(s.run(wasmKernel('Fill'), {}, { shape: inputShape, value: 0, dtype: 'float32' }));
    }
    if (rows.size !== outHeight * sh || cols.size !== outWidth * sw) {
      d = s.run(wasmKernel('Slice'), { x: d }, { begin: [0, rows.begin, cols.begin, 0], size: [b, rows.size, cols.size, co] });
    }
    const flipped = s.run(wasmKernel('Reverse'), { x: filter }, { dims: [0, 1] });
    const w = s.run(transpose, { x: flipped }, { perm: [0, 1, 3, 2] }); // [fh, fw, co, ci]
    const dx = s.run(
      wasmKernel('Conv2D'),
      { x: d, filter: w },
      {
        strides: [1, 1],
        dilations: [1, 1],
        pad: [[0, 0], [rows.padBefore, rows.padAfter], [cols.padBefore, cols.padAfter], [0, 0]],
        dataFormat: 'NHWC',
      },
    ); // [b, H, W, ci]
    return s.keep(channelsLast ? dx : s.run(transpose, { x: dx }, { perm: [0, 3, 1, 2] }));
  } finally {
    s.release();
  }
};

export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: WASM,
  kernelFunc: conv2DBackpropInput,
};
