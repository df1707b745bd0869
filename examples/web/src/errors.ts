// One readable sentence per failure, from the gateway's typed errors (`extensions.code`), for both clients.
export interface GatewayError {
  message: string;
  code?: string;
}

export interface Problem {
  text: string;
  /** The cursor no longer works (a gateway with another CURSOR_SECRET, or a changed filter): start over. */
  reloadList: boolean;
}

export function describeProblem(errors: readonly GatewayError[], networkMessage?: string): Problem {
  const first = errors[0];
  if (!first) {
    return {
      text: `The gateway cannot be reached (${networkMessage ?? 'network error'}). Is it running, and does CORS_ORIGINS list this page's origin?`,
      reloadList: false,
    };
  }
  switch (first.code) {
    case 'UNAUTHENTICATED':
      return {
        text: 'The gateway refused the credentials: enter a Vectara API key above (the demo uses demo-api-key).',
        reloadList: false,
      };
    case 'RATE_LIMITED':
      return { text: `Vectara is rate limiting this key: ${first.message}`, reloadList: false };
    case 'BAD_USER_INPUT':
      return { text: first.message, reloadList: /cursor/i.test(first.message) };
    default:
      return { text: first.message, reloadList: false };
  }
}
