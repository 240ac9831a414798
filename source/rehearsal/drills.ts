export function listDrillsText(_dir?: string): string {
	return 'No drills yet.\n';
}
