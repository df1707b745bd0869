// Figures that the reliability tests measure, printed in one recognisable line each (see README "Reliability").
export function reportFigure(name: string, figures: Record<string, unknown>): void {
  console.log(`[figures] ${name}: ${JSON.stringify(figures)}`);
}
