// A client set up for the current settings and disposed when they change or the page goes away. Made in an
// effect, not during render: React may render twice (StrictMode) and must not leave a socket behind.
import { useEffect, useState } from 'react';
import type { Settings } from './settings';

export function useSetup<T extends { dispose(): void }>(
  create: (settings: Settings) => T,
  settings: Settings,
) {
  const [setup, setSetup] = useState<T>();
  useEffect(() => {
    const made = create(settings);
    setSetup(made);
    return () => {
      setSetup(undefined);
      made.dispose();
    };
  }, [create, settings]);
  return setup;
}
