/// <reference types="vite/client" />
import type { PreloadApi } from '../../src-main/contract';

declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

/** What the preload may add beyond the contract: the path of a dropped File (Electron webUtils). */
export interface RendererPreload extends PreloadApi {
  pathForFile?: (file: File) => string;
}

declare global {
  interface Window {
    rpr?: RendererPreload;
  }
}
