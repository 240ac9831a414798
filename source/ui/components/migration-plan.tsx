/** The schema migrations a rollback crosses, for the picker's detail pane and the confirm screen. */
import {Box, Text} from 'ink';
import {describePlan} from '../../core/migrations/plan.js';
import type {MigrationPlan} from '../../core/types.js';
import {useTheme} from '../theme.js';

export function MigrationPlanLines({plan, limit = 4}: {readonly plan: MigrationPlan | undefined; readonly limit?: number}) {
	const theme = useTheme();
	if (!plan) return null;
	const irreversible = plan.undo.some(migration => migration.irreversible);
	const tone = plan.problem || irreversible ? 'danger' : plan.undo.length > 0 ? 'warning' : 'muted';
	return (
		<Box flexDirection="column">
			<Text color={theme.color(tone)} wrap="wrap">
				{plan.problem || irreversible ? '✗ ' : '⚠ '}
				{describePlan(plan)}
			</Text>
			{plan.undo.slice(0, limit).map(migration => (
				<Text key={migration.revision} color={theme.color(migration.irreversible ? 'danger' : 'muted')} wrap="truncate">
					{migration.irreversible ? '  ✗ ' : '  ↓ '}
					{migration.revision}
					{migration.irreversible ? ' IRREVERSIBLE' : ''} {migration.message}
				</Text>
			))}
			{plan.undo.length > limit && <Text color={theme.color('muted')}>{`  … and ${plan.undo.length - limit} more`}</Text>}
		</Box>
	);
}
