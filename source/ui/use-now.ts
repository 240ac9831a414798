import {useEffect, useState} from 'react';

/**
 * The current time for running timers: re-renders every `intervalMs` while `active`, and reads the
 * clock at each render (a value kept from the last tick would make a step that started since then
 * show a negative time).
 */
export function useNow(active: boolean, intervalMs = 1000): number {
	const [, setTick] = useState(0);
	useEffect(() => {
		if (!active) return;
		const timer = setInterval(() => setTick(tick => tick + 1), intervalMs);
		return () => clearInterval(timer);
	}, [active, intervalMs]);
	return Date.now();
}
