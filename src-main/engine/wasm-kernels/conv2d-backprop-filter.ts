/**
 * Conv2DBackpropFilter for the wasm backend (which has none).
 *
 *   dW[i, j, c, o] = Σ_{b, p, q} xPadded[b, p·sh + i, q·sw + j, c] · dy[b, p, q, o]
 *
 * is itself a correlation: treat x's channels as the batch and x's batch as the channels,
 * x → [ci, H, W, b], and dy as a filter dilated by the strides, dy → [oh, ow, b, co].
 * One XNNPACK Conv2D (stride 1, dilation = strides, the forward padding) then yields
 * [ci, fh, fw, co], transposed to [fh, fw, ci, co]. Rows/columns of x the forward pass
 * never read are sliced away so the output is exactly fh × fw.
 */
import { backend_util } from '@tensorflow/tfjs';
import type { Conv2DBackpropFilterAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { KernelScope, WASM, axisWindow, wasmKernel } from './compose';

export const conv2DBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') {
    throw new Error(`Conv2DBackpropFilter (wasm): float32 tensors expected, got x ${x.dtype} and dy ${dy.dtype}`);
  }
  const channelsLast = backend_util.convertConv2DDataFormat(dataFormat ?? 'NHWC') === 'channelsLast';
  const [b, d1, d2, d3] = x.shape;
  const xShape: [number, number, number, number] = channelsLast ? [b, d1, d2, d3] : [b, d2, d3, d1];
  const info = backend_util.computeConv2DInfo(xShape, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const { inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const expectDy = channelsLast ? [b, outHeight, outWidth, outChannels] : [b, outChannels, outHeight, outWidth];
  if (dy.shape.join() !== expectDy.join()) {
    throw new Error(`Conv2DBackpropFilter (wasm): dy has shape [${dy.shape}] but the convolution gives [${expectDy}]`);
  }

  const s = new KernelScope(backend);
  const transpose = wasmKernel('Transpose');
  try {
    const rows = axisWindow(inHeight, info.padInfo.top, filterHeight + (outHeight - 1) * strideHeight);
    const cols = axisWindow(inWidth, info.padInfo.left, filterWidth + (outWidth - 1) * strideWidth);
    if (rows.size === 0 || cols.size === 0 || b === 0) {
      // The forward pass read nothing but padding: the gradient is zero.
      return s.keep(s.run(wasmKernel('Fill'), {}, { shape: filterShape, value: 0, dtype: 'float32' }));
    }
    let xt = s.run(transpose, { x }, { perm: channelsLast ? [3, 1, 2, 0] : [1, 2, 3, 0] }); // [ci, H, W, b]
    if (rows.size !== inHeight || cols.size !== inWidth) {
      xt = s.run(wasmKernel('Slice'), { x: xt }, { begin: [0, rows.begin, cols.begin, 0], size: [inChannels, rows.size, cols.size, b] });
    }
    const dyt = s.run(transpose, { x: dy }, { perm: channelsLast ? [1, 2, 0, 3] : [2, 3, 0, 1] }); // [oh, ow, b, co]
    const corr = s.run(
      wasmKernel('Conv2D'),
      { x: xt, filter: dyt },
      {
        strides: [1, 1],
        dilations: [strideHeight, strideWidth],
        pad: [[0, 0], [rows.padBefore, rows.padAfter], [cols.padBefore, cols.padAfter], [0, 0]],
        dataFormat: 'NHWC',
      },
    ); // [ci, fh, fw, co]
    return s.keep(s.run(transpose, { x: corr }, { perm: [1, 2, 0, 3] }));
  } finally {
    s.release();
  }
};

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: WASM,
  kernelFunc: conv2DBackpropFilter,
};
