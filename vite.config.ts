import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The renderer is built into out/renderer and loaded from files (Electron) or
// from the browser host on 127.0.0.1: no dev server, no remote content.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: { outDir: '../out/renderer', emptyOutDir: true, sourcemap: true, target: 'es2022' },
});
