// The example app's build and dev server. `npm run dev` serves it on http://localhost:5173 and proxies
// /graphql (HTTP, SSE and the WebSocket upgrade) and /graphql/stream to the gateway, so the browser sees one
// origin and no CORS is involved. GATEWAY_URL says where the gateway listens (default: npm run demo's).
import { defineConfig } from 'vite';

const gateway = process.env.GATEWAY_URL ?? 'http://localhost:4000';

export default defineConfig({
  // Relative asset URLs: the built app works from any path (npm run demo serves it at /app/).
  base: './',
  oxc: { jsx: { runtime: 'automatic' } },
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      '/graphql': {
        target: gateway,
        ws: true,
        changeOrigin: true,
        // Behind the proxy the gateway sees a server-to-server call: without the page's Origin, which the
        // gateway would otherwise check against CORS_ORIGINS (the WebSocket upgrade included).
        configure(proxy) {
          proxy.on('proxyReq', (request) => request.removeHeader('origin'));
          proxy.on('proxyReqWs', (request) => request.removeHeader('origin'));
        },
      },
    },
  },
  build: { outDir: 'dist', sourcemap: true, chunkSizeWarningLimit: 1024 },
});
