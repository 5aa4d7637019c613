/** The ONNX cases of the hostile corpus (scripts/make-hostile-fixtures.ts): built with the app's writer. */
import { type GraphSpec, encodeModel } from '../src-main/engine/onnx/proto';
import type { HostileCase } from './make-hostile-fixtures';

const w = (n: number, seed: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.7 + seed) * 0.5);

/** Flat [N, 16] → Gemm → Softmax, `k` classes. */
export function tinyOnnx(k = 3, inputDims: (number | string)[] = ['N', 16]): GraphSpec {
  const f = Number(inputDims[inputDims.length - 1]);
  return {
    name: 'tiny',
    input: { name: 'x', dims: inputDims },
    output: { name: 'p', dims: ['N', k] },
    nodes: [
      { op: 'Gemm', inputs: ['x', 'W', 'b'], outputs: ['z'] },
      { op: 'Softmax', inputs: ['z'], outputs: ['p'], attrs: { axis: 1 } },
    ],
    weights: [
      { name: 'W', dims: [f, k], data: w(f * k, 1) },
      { name: 'b', dims: [k], data: w(k, 2) },
    ],
  };
}

export function onnxCases(): [HostileCase, Record<string, Uint8Array>][] {
  const valid = encodeModel(tinyOnnx());
  const junk = Uint8Array.from({ length: 300 }, (_, i) => (i * 97 + 13) & 0xff);
  const unsupported = tinyOnnx();
  unsupported.nodes[1] = { op: 'FrobnicateV9', inputs: ['z'], outputs: ['p'] };
  const nchw8 = tinyOnnx();
  nchw8.input.dims = ['N', 1, 8, 8];
  nchw8.nodes.unshift({ op: 'Flatten', inputs: ['x'], outputs: ['xf'], attrs: { axis: 1 } });
  nchw8.nodes[1].inputs[0] = 'xf';
  nchw8.weights[0] = { name: 'W', dims: [64, 3], data: w(192, 1) };
  const external = tinyOnnx();
  external.weights[0] = { ...external.weights[0], external: { location: 'weights.bin', offset: 0 } };
  const twoInputs = tinyOnnx();
  twoInputs.extraInputs = [{ name: 'mask', dims: ['N', 16] }];
  twoInputs.nodes.unshift({ op: 'Mul', inputs: ['x', 'mask'], outputs: ['xm'] });
  twoInputs.nodes[1].inputs[0] = 'xm';
  const M = 'model.onnx';
  return [
    [{ path: 'onnx/truncated', via: 'onnx', names: M, expect: 'not a readable ONNX model', what: 'a valid .onnx cut off after 60% of its bytes' }, { [M]: valid.slice(0, Math.floor(valid.length * 0.6)) }],
    [{ path: 'onnx/corrupt', via: 'onnx', names: M, expect: 'not a readable ONNX model|cannot load the graph', what: '300 bytes of noise named model.onnx' }, { [M]: junk }],
    [{ path: 'onnx/empty', via: 'onnx', names: M, expect: 'not a readable ONNX model', what: 'an empty (0-byte) .onnx' }, { [M]: new Uint8Array(0) }],
    [{ path: 'onnx/unsupported-op', via: 'onnx', names: M, expect: 'ONNX Runtime cannot load the graph.*FrobnicateV9', what: 'a graph using an op no runtime knows (FrobnicateV9)' }, { [M]: encodeModel(unsupported) }],
    [
      { path: 'onnx/input-shape-mismatch', via: 'onnx', names: M, expect: 'input x has shape \\[\\?, 1, 8, 8\\], which does not fit: the dataset\'s images are 4×4×1', what: 'an NCHW 8x8 graph against a 4x4x1 dataset' },
      { [M]: encodeModel(nchw8) },
    ],
    [
      { path: 'onnx/three-outputs', via: 'onnx', names: M, expect: 'gives 3 values per image .* but the dataset has 10 classes', what: 'a 3-class graph against a 10-class dataset', dataset: { height: 4, width: 4, channels: 1, numClasses: 10 } },
      { [M]: valid },
    ],
    [{ path: 'onnx/external-data-missing', via: 'onnx', names: M, expect: 'external data file "weights.bin", which is missing', what: 'weights in an external data file that is not beside it' }, { [M]: encodeModel(external) }],
    [{ path: 'onnx/two-inputs', via: 'onnx', names: M, expect: 'the graph has 2 inputs \\(x \\[\\?, 16\\], mask \\[\\?, 16\\]\\): choose one with --input NAME', what: 'a graph with two inputs and no choice made' }, { [M]: encodeModel(twoInputs) }],
  ];
}
