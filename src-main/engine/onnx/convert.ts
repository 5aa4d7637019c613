/**
 * TF.js layers model → ONNX graph (NCHW input, as PyTorch exports; no transposes: Conv2D
 * kernels are permuted to OIHW, and the Dense after a Flatten gets its rows reordered from
 * HWC to CHW). Layers: InputLayer, Conv2D, Dense, MaxPooling2D, AveragePooling2D,
 * GlobalAveragePooling2D, GlobalMaxPooling2D, Flatten, Dropout, BatchNormalization,
 * Activation, ReLU, LeakyReLU, Softmax, and the activations relu, relu6, sigmoid, tanh,
 * softmax, elu, selu, softplus, softsign, linear. Anything else is a NotConvertibleError
 * naming the layer, and the model keeps running on TF.js.
 */
import type * as tf from '@tensorflow/tfjs';
import type { AttrValue, GraphNode, GraphSpec } from './proto';

export class NotConvertibleError extends Error {
  override name = 'NotConvertibleError';
}

interface Ctx {
  nodes: GraphNode[];
  weights: GraphSpec['weights'];
  n: number;
  /** current tensor name */
  cur: string;
  /** current shape without batch, NCHW order when rank 3 ([C, H, W]) */
  shape: number[];
  /** set by Flatten of a [C, H, W] tensor: the next Dense reorders its rows */
  flattenedFrom: [number, number, number] | null;
}

const fresh = (c: Ctx, base: string): string => `${base}_${c.n++}`;

function emit(c: Ctx, op: string, inputs: string[], attrs?: Record<string, AttrValue>): string {
  const out = fresh(c, op.toLowerCase());
  c.nodes.push({ op, inputs, outputs: [out], attrs });
  c.cur = out;
  return out;
}

function weight(c: Ctx, base: string, dims: number[], data: Float32Array): string {
  const name = fresh(c, base);
  c.weights.push({ name, dims, data });
  return name;
}

function activation(c: Ctx, name: string | undefined, layer: string): void {
  switch (name ?? 'linear') {
    case 'linear':
      return;
    case 'relu':
      emit(c, 'Relu', [c.cur]);
      return;
    case 'relu6':
      emit(c, 'Clip', [c.cur, weight(c, 'zero', [], new Float32Array([0])), weight(c, 'six', [], new Float32Array([6]))]);
      return;
    case 'sigmoid':
      emit(c, 'Sigmoid', [c.cur]);
      return;
    case 'tanh':
      emit(c, 'Tanh', [c.cur]);
      return;
    case 'softmax':
      if (c.shape.length !== 1) throw new NotConvertibleError(`layer ${layer}: softmax over a ${c.shape.length + 1}-d tensor`);
      emit(c, 'Softmax', [c.cur], { axis: -1 });
      return;
    case 'elu':
      emit(c, 'Elu', [c.cur], { alpha: { float: 1 } });
      return;
    case 'selu':
      emit(c, 'Selu', [c.cur]);
      return;
    case 'softplus':
      emit(c, 'Softplus', [c.cur]);
      return;
    case 'softsign':
      emit(c, 'Softsign', [c.cur]);
      return;
    default:
      throw new NotConvertibleError(`layer ${layer}: activation "${name}" has no ONNX conversion here`);
  }
}

const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : [Number(v), Number(v)]);

function outSize(inp: number, k: number, s: number, pad: string, d = 1): number {
  const ek = (k - 1) * d + 1;
  return pad === 'same' ? Math.ceil(inp / s) : Math.floor((inp - ek) / s) + 1;
}

function spatial(c: Ctx, layer: string): [number, number, number] {
  if (c.shape.length !== 3) throw new NotConvertibleError(`layer ${layer}: expects an image tensor, got shape [${c.shape.join(', ')}]`);
  return c.shape as [number, number, number];
}

/** The layers in order, refusing non-sequential graphs. */
function layerList(model: tf.LayersModel): tf.layers.Layer[] {
  const layers = model.layers;
  for (const l of layers) {
    const inbound = (l as unknown as { inboundNodes: { inboundLayers: unknown[] }[] }).inboundNodes ?? [];
    if (inbound.some((n) => n.inboundLayers.length > 1)) throw new NotConvertibleError(`layer ${l.name} (${l.getClassName()}) merges several inputs: only sequential models convert`);
  }
  if (model.inputs.length !== 1 || model.outputs.length !== 1) throw new NotConvertibleError(`the model has ${model.inputs.length} inputs and ${model.outputs.length} outputs: only one of each converts`);
  return layers;
}

/** The ONNX graph of a TF.js layers model whose input is [H, W, C] or [features]. */
export function convertLayersModel(model: tf.LayersModel, name = model.name): GraphSpec {
  const inShape = model.inputs[0].shape.slice(1).map(Number);
  if (inShape.some((d) => !(d > 0))) throw new NotConvertibleError(`input shape [${inShape.join(', ')}] is not fully known`);
  const image = inShape.length === 3;
  if (!image && inShape.length !== 1) throw new NotConvertibleError(`input of rank ${inShape.length + 1}: only images [N, H, W, C] and vectors [N, F] convert`);
  const c: Ctx = { nodes: [], weights: [], n: 0, cur: 'input', shape: image ? [inShape[2], inShape[0], inShape[1]] : inShape, flattenedFrom: null };
  for (const layer of layerList(model)) {
    const cls = layer.getClassName();
    const cfg = layer.getConfig() as Record<string, unknown>;
    const w = layer.getWeights().map((t) => ({ shape: t.shape, data: t.dataSync() as Float32Array }));
    const lname = `${layer.name} (${cls})`;
    if (cls !== 'Dense' && cls !== 'Dropout' && cls !== 'Activation' && c.flattenedFrom) {
      // something other than Dense after Flatten: the CHW order would show; not supported
      throw new NotConvertibleError(`layer ${lname} after Flatten: only Dense (or Dropout/Activation) may follow a Flatten here`);
    }
    switch (cls) {
      case 'InputLayer':
      case 'Dropout':
      case 'SpatialDropout2D':
      case 'GaussianNoise':
      case 'GaussianDropout':
        break;
      case 'Conv2D': {
        const [C, H, W] = spatial(c, lname);
        const [kh, kw] = pair(cfg.kernelSize);
        const [sh, sw] = pair(cfg.strides ?? 1);
        const [dh, dw] = pair(cfg.dilationRate ?? 1);
        const pad = String(cfg.padding ?? 'valid');
        if (cfg.dataFormat === 'channelsFirst') throw new NotConvertibleError(`layer ${lname}: channelsFirst data format`);
        const filters = Number(cfg.filters);
        const k = w[0];
        // [kh, kw, in, out] → [out, in, kh, kw]
        const oihw = new Float32Array(k.data.length);
        for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let i = 0; i < C; i++) for (let o = 0; o < filters; o++) oihw[((o * C + i) * kh + y) * kw + x] = k.data[((y * kw + x) * C + i) * filters + o];
        const inputs = [c.cur, weight(c, 'W', [filters, C, kh, kw], oihw)];
        if (cfg.useBias !== false && w[1]) inputs.push(weight(c, 'B', [filters], Float32Array.from(w[1].data)));
        const attrs: Record<string, AttrValue> = { kernel_shape: [kh, kw], strides: [sh, sw], dilations: [dh, dw] };
        if (pad === 'same') attrs.auto_pad = 'SAME_UPPER';
        else attrs.pads = [0, 0, 0, 0];
        emit(c, 'Conv', inputs, attrs);
        c.shape = [filters, outSize(H, kh, sh, pad, dh), outSize(W, kw, sw, pad, dw)];
        activation(c, cfg.activation as string, lname);
        break;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        const [C, H, W] = spatial(c, lname);
        const [kh, kw] = pair(cfg.poolSize ?? 2);
        const [sh, sw] = pair(cfg.strides ?? cfg.poolSize ?? 2);
        const pad = String(cfg.padding ?? 'valid');
        const attrs: Record<string, AttrValue> = { kernel_shape: [kh, kw], strides: [sh, sw] };
        if (pad === 'same') attrs.auto_pad = 'SAME_UPPER';
        if (cls === 'AveragePooling2D') attrs.count_include_pad = 0;
        emit(c, cls === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool', [c.cur], attrs);
        c.shape = [C, outSize(H, kh, sh, pad), outSize(W, kw, sw, pad)];
        break;
      }
      case 'GlobalAveragePooling2D':
      case 'GlobalMaxPooling2D': {
        const [C] = spatial(c, lname);
        emit(c, cls === 'GlobalAveragePooling2D' ? 'GlobalAveragePool' : 'GlobalMaxPool', [c.cur]);
        emit(c, 'Flatten', [c.cur], { axis: 1 });
        c.shape = [C];
        break;
      }
      case 'Flatten': {
        if (c.shape.length === 3) c.flattenedFrom = c.shape as [number, number, number];
        if (c.shape.length !== 1) emit(c, 'Flatten', [c.cur], { axis: 1 });
        c.shape = [c.shape.reduce((a, b) => a * b, 1)];
        break;
      }
      case 'Dense': {
        if (c.shape.length !== 1) throw new NotConvertibleError(`layer ${lname}: Dense on a ${c.shape.length + 1}-d tensor`);
        const units = Number(cfg.units);
        const k = w[0];
        let kernel = Float32Array.from(k.data);
        const f = c.flattenedFrom;
        if (f && f[0] > 1) {
          // TF.js flattened H, W, C; the graph flattens C, H, W: row (h, w, ch) moves to (ch, h, w)
          const [C, H, W] = f;
          kernel = new Float32Array(k.data.length);
          for (let h = 0; h < H; h++)
            for (let x = 0; x < W; x++)
              for (let ch = 0; ch < C; ch++) {
                const from = ((h * W + x) * C + ch) * units;
                const to = ((ch * H + h) * W + x) * units;
                kernel.set(k.data.subarray(from, from + units), to);
              }
        }
        c.flattenedFrom = null;
        const inputs = [c.cur, weight(c, 'W', [c.shape[0], units], kernel)];
        if (cfg.useBias !== false && w[1]) inputs.push(weight(c, 'B', [units], Float32Array.from(w[1].data)));
        else inputs.push(weight(c, 'B', [units], new Float32Array(units)));
        emit(c, 'Gemm', inputs);
        c.shape = [units];
        activation(c, cfg.activation as string, lname);
        break;
      }
      case 'BatchNormalization': {
        const axis = Number(cfg.axis ?? -1);
        const rank = c.shape.length + 1;
        if (!(axis === -1 || axis === rank - 1)) throw new NotConvertibleError(`layer ${lname}: normalises axis ${axis}, only the channel axis converts`);
        const ch = c.shape[0];
        let i = 0;
        const gamma = cfg.scale !== false ? w[i++].data : new Float32Array(ch).fill(1);
        const beta = cfg.center !== false ? w[i++].data : new Float32Array(ch);
        const mean = w[i++].data;
        const variance = w[i++].data;
        emit(c, 'BatchNormalization', [c.cur, weight(c, 'gamma', [ch], Float32Array.from(gamma)), weight(c, 'beta', [ch], Float32Array.from(beta)), weight(c, 'mean', [ch], Float32Array.from(mean)), weight(c, 'var', [ch], Float32Array.from(variance))], {
          epsilon: { float: Number(cfg.epsilon ?? 1e-3) },
        });
        break;
      }
      case 'Activation':
        activation(c, cfg.activation as string, lname);
        break;
      case 'ReLU':
        if (cfg.maxValue !== undefined && cfg.maxValue !== null) activation(c, Number(cfg.maxValue) === 6 ? 'relu6' : `relu(max ${String(cfg.maxValue)})`, lname);
        else activation(c, 'relu', lname);
        break;
      case 'LeakyReLU':
        emit(c, 'LeakyRelu', [c.cur], { alpha: { float: Number(cfg.alpha ?? 0.3) } });
        break;
      case 'Softmax':
        activation(c, 'softmax', lname);
        break;
      default:
        throw new NotConvertibleError(`layer ${lname} has no ONNX conversion here`);
    }
  }
  if (c.shape.length !== 1) throw new NotConvertibleError(`the model ends on a [${c.shape.join(', ')}] tensor, not class scores`);
  // the last node's output is the graph output
  if (c.nodes.length === 0) throw new NotConvertibleError('the model has no layers to convert');
  c.nodes[c.nodes.length - 1].outputs = ['output'];
  const inputDims = image ? ['N', inShape[2], inShape[0], inShape[1]] : ['N', inShape[0]];
  return { name, input: { name: 'input', dims: inputDims }, output: { name: 'output', dims: ['N', c.shape[0]] }, nodes: c.nodes, weights: c.weights, opset: 13, producer: 'rpr-curator tfjs-to-onnx' };
}
