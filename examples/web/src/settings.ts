// Where the gateway is and which credentials to send. The gateway URL comes from `?gateway=` in the page's
// address (cross-origin setups and tests), else VITE_GATEWAY_URL at build time, else the page's own origin
// (same origin: `npm run demo`, or Vite's dev proxy). The API key is kept in localStorage.
export interface Settings {
  /** The gateway's GraphQL endpoint over HTTP, e.g. http://localhost:4000/graphql. */
  httpUrl: string;
  /** The same endpoint for graphql-ws (ws: or wss:). */
  wsUrl: string;
  /** graphql-sse's endpoint (distinct-connections mode). */
  streamUrl: string;
  apiKey: string;
}

export const DEMO_API_KEY = 'demo-api-key';
const KEY_STORAGE = 'jobs-gateway-example.api-key';

function gatewayOrigin(): string {
  const fromQuery = new URLSearchParams(window.location.search).get('gateway');
  const configured = fromQuery ?? import.meta.env.VITE_GATEWAY_URL;
  return configured ? new URL(configured, window.location.href).origin : window.location.origin;
}

export function loadSettings(): Settings {
  const origin = gatewayOrigin();
  const httpUrl = `${origin}/graphql`;
  return {
    httpUrl,
    wsUrl: httpUrl.replace(/^http/, 'ws'),
    streamUrl: `${origin}/graphql/stream`,
    apiKey: window.localStorage.getItem(KEY_STORAGE) ?? DEMO_API_KEY,
  };
}

export function saveApiKey(apiKey: string): void {
  window.localStorage.setItem(KEY_STORAGE, apiKey);
}

/** The headers every request carries: the gateway passes x-api-key through to Vectara. */
export function credentialHeaders(settings: Settings): Record<string, string> {
  return { 'x-api-key': settings.apiKey };
}
