// Parley Web: the chat client (/app/) and the admin console (/app/admin/) are two pages of one
// Vite build, written to dist/web and served by the server under /app. Hashed file names under
// assets/ let the server cache them for a year; the two HTML pages are never cached.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

// `vite` (dev) and `vite preview` forward the API and the socket to a running Parley, so the app
// is developed against a real server: PARLEY_URL=http://localhost:8080 npx vite --config web/vite.config.ts
const parley = process.env.PARLEY_URL ?? 'http://localhost:8080';
const proxy = {
  '/api': { target: parley, changeOrigin: true },
  '/ws': { target: parley, changeOrigin: true, ws: true },
};

export default defineConfig({
  root: here('.'),
  base: '/app/',
  plugins: [react()],
  server: { proxy },
  preview: { proxy },
  build: {
    outDir: here('../dist/web'),
    emptyOutDir: true,
    rollupOptions: {
      input: { client: here('index.html'), admin: here('admin/index.html') },
    },
  },
});
