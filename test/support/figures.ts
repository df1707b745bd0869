// Figures that the reliability tests measure (retries, latencies, sockets, RSS), printed in one
// recognisable line each only when asked: `FIGURES=1 npm test`. A normal run prints nothing but vitest's
// summary (see docs/security.md, "Reliability").
const SHOW = process.env.FIGURES === '1' || process.env.FIGURES === 'true';

export function reportFigure(name: string, figures: Record<string, unknown>): void {
  if (SHOW) console.log(`[figures] ${name}: ${JSON.stringify(figures)}`);
}
