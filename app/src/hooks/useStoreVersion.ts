/** Re-renders when first-party storage changes in another tab (or after a local write calls bump). */
import { useCallback, useEffect, useState } from "react";

export function useStoreVersion(): [number, () => void] {
  const [version, setVersion] = useState(0);
  const bump = useCallback(() => setVersion((v) => v + 1), []);
  useEffect(() => {
    const onStorage = (event: StorageEvent) => {
      if (event.key === null || event.key.startsWith("plaudit:")) bump();
    };
    window.addEventListener("storage", onStorage);
    return () => window.removeEventListener("storage", onStorage);
  }, [bump]);
  return [version, bump];
}
