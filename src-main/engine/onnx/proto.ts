/**
 * A small ONNX graph builder over onnx-proto (protobufjs): float tensors, nodes with attributes,
 * typed inputs/outputs, encoded to the bytes of a .onnx file. Also decodes a file's op types
 * and external-data locations (what an import must copy beside it). No Python, no network.
 */
import onnxProto from 'onnx-proto';
import type { onnx as P } from 'onnx-proto';

const { onnx } = onnxProto;

export type AttrValue = number | number[] | string | { ints: number[] } | { float: number };

export interface GraphNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, AttrValue>;
  name?: string;
}

export interface GraphSpec {
  name: string;
  input: { name: string; dims: (number | string)[] };
  /** more graph inputs (rare; the import then asks which one takes the images) */
  extraInputs?: { name: string; dims: (number | string)[] }[];
  output: { name: string; dims: (number | string)[] };
  nodes: GraphNode[];
  /** float32 initializers; `external`: stored in an external data file at this location (the caller writes it) */
  weights: { name: string; dims: number[]; data: Float32Array; external?: { location: string; offset: number } }[];
  /** int64 initializers (shapes for Reshape) */
  int64s?: { name: string; data: number[] }[];
  opset?: number;
  producer?: string;
  /** metadata_props of the model */
  metadata?: Record<string, string>;
}

const FLOAT = 1;
const INT64 = 7;

function attribute(name: string, v: AttrValue): P.IAttributeProto {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: A.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: A.INTS, ints: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { name, type: A.INT, i: v } : { name, type: A.FLOAT, f: v };
  if ('ints' in v) return { name, type: A.INTS, ints: v.ints };
  return { name, type: A.FLOAT, f: v.float };
}

function valueInfo(name: string, dims: (number | string)[]): P.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

/** The .onnx bytes of a graph. */
export function encodeModel(spec: GraphSpec): Uint8Array {
  const model: P.IModelProto = {
    irVersion: 7,
    producerName: spec.producer ?? 'rpr-curator',
    opsetImport: [{ domain: '', version: spec.opset ?? 13 }],
    metadataProps: Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: spec.name,
      node: spec.nodes.map((n, i) => ({ opType: n.op, input: n.inputs, output: n.outputs, name: n.name ?? `${n.op}_${i}`, attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)) })),
      initializer: [
        ...spec.weights.map((w) =>
          w.external
            ? {
                name: w.name,
                dims: w.dims,
                dataType: FLOAT,
                dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
                externalData: [
                  { key: 'location', value: w.external.location },
                  { key: 'offset', value: String(w.external.offset) },
                  { key: 'length', value: String(w.data.byteLength) },
                ],
              }
            : { name: w.name, dims: w.dims, dataType: FLOAT, rawData: new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength) },
        ),
        ...(spec.int64s ?? []).map((t) => ({ name: t.name, dims: [t.data.length], dataType: INT64, int64Data: t.data })),
      ],
      input: [valueInfo(spec.input.name, spec.input.dims), ...(spec.extraInputs ?? []).map((i) => valueInfo(i.name, i.dims))],
      output: [valueInfo(spec.output.name, spec.output.dims)],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

export interface DecodedModel {
  opTypes: string[];
  /** external data files the initializers point to (relative to the .onnx file) */
  externalFiles: string[];
  opset: number | null;
}

/** Op types and external data files of a .onnx file; throws on bytes that are not a ModelProto. */
export function decodeModel(bytes: Uint8Array): DecodedModel {
  const m = onnx.ModelProto.decode(bytes);
  if (!m.graph) throw new Error('the file holds no graph (not an ONNX model)');
  const ops = new Set<string>();
  const visit = (g: P.IGraphProto, depth: number): void => {
    for (const n of g.node ?? []) {
      ops.add(n.domain ? `${n.domain}:${n.opType}` : String(n.opType));
      if (depth < 8) for (const a of n.attribute ?? []) if (a.g) visit(a.g, depth + 1);
    }
  };
  visit(m.graph, 0);
  const ext = new Set<string>();
  for (const t of m.graph.initializer ?? []) {
    if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
      const loc = (t.externalData ?? []).find((e) => e.key === 'location')?.value;
      if (loc) ext.add(loc);
    }
  }
  const opset = (m.opsetImport ?? []).find((o) => !o.domain)?.version;
  return { opTypes: [...ops].sort(), externalFiles: [...ext].sort(), opset: opset === undefined || opset === null ? null : Number(opset) };
}
