/**
 * Kernels the wasm backend needs to train the model zoo (paper-cnn, classic-cnn, mlp) fast.
 *
 * Measured on @tensorflow/tfjs-backend-wasm 4.22 by listing the kernels registered for cpu
 * but not wasm and by running real fits: the only kernel training lacks is
 * Conv2DBackpropFilter (Step for ReLU's gradient, ClipByValue, Adam's ops and the rest
 * exist). Stock kernels replaced as well:
 *  - MaxPoolGrad: wrong (a window of negative values gets no gradient), see max-pool-grad.ts;
 *  - Conv2DBackpropInput: a scalar loop taking ~60% of a 32/64-CNN step → one XNNPACK conv;
 *  - the transposed forms of BatchMatMul/_FusedMatMul: 10-30× slower than an explicit
 *    Transpose followed by the plain product.
 */
import '@tensorflow/tfjs-backend-wasm';
import { getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs';
import type { KernelConfig } from '@tensorflow/tfjs';
import { WASM } from './compose';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input';
import { maxPoolGradConfig } from './max-pool-grad';
import { withExplicitTransposes } from './mat-mul';

export { conv2DBackpropFilter } from './conv2d-backprop-filter';
export { conv2DBackpropInput } from './conv2d-backprop-input';
export { maxPoolGrad } from './max-pool-grad';

/** Kernels whose wasm implementation registerWasmTrainingKernels provides or replaces. */
export const wasmTrainingKernelNames = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad', 'BatchMatMul', '_FusedMatMul'] as const;

const MARK = Symbol.for('rpr-curator.wasm-training-kernel');

function isOurs(config: KernelConfig | undefined): boolean {
  return !!config && (config.kernelFunc as unknown as Record<symbol, unknown>)[MARK] === true;
}

function install(config: KernelConfig): void {
  (config.kernelFunc as unknown as Record<symbol, unknown>)[MARK] = true;
  if (getKernel(config.kernelName, WASM)) unregisterKernel(config.kernelName, WASM);
  registerKernel(config);
}

/**
 * Register (or replace) the wasm kernels training needs. Idempotent, also across copies of
 * this module sharing one TF.js registry. Works before or after the wasm backend starts.
 */
export function registerWasmTrainingKernels(): void {
  const builders: Record<(typeof wasmTrainingKernelNames)[number], () => KernelConfig> = {
    Conv2DBackpropFilter: () => conv2DBackpropFilterConfig,
    Conv2DBackpropInput: () => conv2DBackpropInputConfig,
    MaxPoolGrad: () => maxPoolGradConfig,
    BatchMatMul: () => withExplicitTransposes(stock('BatchMatMul')),
    _FusedMatMul: () => withExplicitTransposes(stock('_FusedMatMul')),
  };
  for (const name of wasmTrainingKernelNames) {
    if (isOurs(getKernel(name, WASM))) continue;
    install({ ...builders[name](), kernelName: name, backendName: WASM });
  }
}

/** True once registerWasmTrainingKernels has run against the current TF.js registry. */
export function wasmTrainingKernelsRegistered(): boolean {
  return wasmTrainingKernelNames.every((name) => isOurs(getKernel(name, WASM)));
}

function stock(name: string): KernelConfig {
  const config = getKernel(name, WASM);
  if (!config) throw new Error(`wasm kernel "${name}" is not registered (is @tensorflow/tfjs-backend-wasm loaded?)`);
  return config;
}
