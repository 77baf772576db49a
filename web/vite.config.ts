// Parley Web: the chat client (/app/) and the admin console (/app/admin/) are two pages of one
// Vite build, written to dist/web and served by the server under /app. Hashed file names under
// assets/ let the server cache them for a year; the two HTML pages are never cached.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/app/',
  plugins: [react()],
  build: {
    outDir: here('../dist/web'),
    emptyOutDir: true,
    rollupOptions: {
      input: { client: here('index.html'), admin: here('admin/index.html') },
    },
  },
});
