import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The task pane: built into dist/addin, which the Stocksheet server serves from `/` on the same
// origin as `/trpc`. Office.js is not bundled: index.html loads it from Microsoft's CDN, or, with
// STOCKSHEET_OFFICE_JS=packaged, from the server's copy of the @microsoft/office-js package.
export default defineConfig({
  root: 'addin',
  publicDir: 'public',
  plugins: [react()],
  build: {
    outDir: '../dist/addin',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
  },
});
