/** Where things are on the server, as the config names them. */
import {remotePath, type RemotePath} from './command.js';
import type {PlanView} from './step.js';

/** The app's checkout (`~/` is the remote home). */
export function appDir(view: Pick<PlanView, 'config'>): RemotePath {
	return remotePath(view.config.app.dir);
}

/** Where backups and saved changes go (the database's backupDir, else ~/backups). */
export function backupDir(view: Pick<PlanView, 'config'>): string {
	return view.config.database?.backupDir ?? '~/backups';
}

/** A name as one safe file-name part (app and database names are labels, not paths). */
export function fileNamePart(name: string): string {
	return name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[.-]+/, '_') || '_';
}

/** A file of this run in the backup dir: `<app>-<stamp>-<run>-<suffix>`. */
export function savePath(view: Pick<PlanView, 'config' | 'stamp' | 'runId'>, suffix: string): RemotePath {
	return remotePath(backupDir(view)).join(`${fileNamePart(view.config.app.name)}-${view.stamp}-${view.runId.slice(-4)}-${suffix}`);
}
