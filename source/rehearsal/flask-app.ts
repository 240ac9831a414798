/**
 * The sandbox app's Python side: a small Flask app on MySQL whose schema Flask-Migrate (Alembic)
 * manages, as the team in the original drill has. Its history crosses real migrations: the bad deploy
 * renames a column and adds a table, so the old code answers 500 against the new schema until
 * the downgrade runs. Text only: it runs where Python with Flask is installed (see findFlask).
 */

/** The database: DATABASE_URL (environment, else the app's .env), else BANKROLL_DB (`host:port/name`) and a my.cnf (BANKROLL_MYCNF, else ~/.my.cnf). */
const APP_HEADER = `"""Bankroll: a small Flask app on MySQL; its schema is managed by Flask-Migrate."""
import configparser
import html
import os

from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.engine import URL


def settings_url():
    # DATABASE_URL from the environment, else from the app's .env (as python-dotenv would read it).
    url = os.environ.get('DATABASE_URL')
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), '.env')
    if not url and os.path.exists(path):
        for line in open(path, encoding='utf-8').read().splitlines():
            key, _, value = line.strip().removeprefix('export ').partition('=')
            url = value.strip().strip('"').strip("'") if key.strip() == 'DATABASE_URL' else url
    return url.replace('mysql://', 'mysql+pymysql://', 1) if url else None


def database_url():
    if settings_url():
        return settings_url()
    options = configparser.ConfigParser()
    options.read(os.environ.get('BANKROLL_MYCNF') or os.path.expanduser('~/.my.cnf'))
    client = options['client'] if options.has_section('client') else {}
    location, _, name = os.environ.get('BANKROLL_DB', '127.0.0.1:3306/bankroll').partition('/')
    host, _, port = location.partition(':')
    return URL.create(
        'mysql+pymysql',
        username=client.get('user', ''),
        password=client.get('password', '').strip('"'),
        host=host,
        port=int(port or 3306),
        database=name,
    )


app = Flask(__name__, static_folder='dist/assets', static_url_path='/assets')
app.config['SQLALCHEMY_DATABASE_URI'] = database_url()
db = SQLAlchemy(app)
migrate = Migrate(app, db)
`;

const PAGE_ROUTE = (nameColumn: string) => `

@app.route('/')
def index():
    with open(os.path.join(app.root_path, 'dist', 'index.html'), encoding='utf-8') as page:
        text = page.read()
    players = ''.join(
        f'<li>{html.escape(player.${nameColumn})}: {player.balance}</li>' for player in Player.query.order_by(Player.id)
    )
    return text.replace('</body>', f'<ul class="players">{players}</ul>\\n</body>')
`;

export function appPy(nameColumn: 'name' | 'display_name', extraModels = ''): string {
	return `${APP_HEADER}

class Player(db.Model):
    __tablename__ = 'players'
    id = db.Column(db.Integer, primary_key=True)
    ${nameColumn} = db.Column(db.String(80), nullable=False)
    balance = db.Column(db.Numeric(10, 2), nullable=False)
${extraModels}${PAGE_ROUTE(nameColumn)}`;
}

export const STAKE_MODEL = `

class Stake(db.Model):
    __tablename__ = 'stakes'
    id = db.Column(db.Integer, primary_key=True)
    player_id = db.Column(db.Integer, db.ForeignKey('players.id'), nullable=False)
    amount = db.Column(db.Numeric(10, 2), nullable=False)
    placed_at = db.Column(db.DateTime, nullable=False)
`;

export const SESSION_MODEL = `

class Session(db.Model):
    __tablename__ = 'sessions'
    id = db.Column(db.Integer, primary_key=True)
    player_id = db.Column(db.Integer, db.ForeignKey('players.id'), nullable=False)
    hours = db.Column(db.Numeric(5, 2))
    result = db.Column(db.Numeric(10, 2))
`;

/** Flask-Migrate's configuration, trimmed: Alembic's logging and nothing else. */
export const ALEMBIC_INI = `# A generic, single database configuration (Flask-Migrate).

[alembic]

[loggers]
keys = root,sqlalchemy,alembic,flask_migrate

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console
qualname =

[logger_sqlalchemy]
level = WARN
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[logger_flask_migrate]
level = INFO
handlers =
qualname = flask_migrate

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
datefmt = %H:%M:%S
`;

/** Alembic's environment for Flask-Migrate: the app's engine and metadata (online migrations only). */
export const ENV_PY = `from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
fileConfig(config.config_file_name)
target_metadata = current_app.extensions['migrate'].db.metadata


def run_migrations_online():
    engine = current_app.extensions['migrate'].db.engine
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
`;

export const SCRIPT_MAKO = `"""\${message}

Revision ID: \${up_revision}
Revises: \${down_revision | comma,n}
Create Date: \${create_date}

"""
from alembic import op
import sqlalchemy as sa
\${imports if imports else ""}

# revision identifiers, used by Alembic.
revision = \${repr(up_revision)}
down_revision = \${repr(down_revision)}
branch_labels = \${repr(branch_labels)}
depends_on = \${repr(depends_on)}


def upgrade():
    \${upgrades if upgrades else "pass"}


def downgrade():
    \${downgrades if downgrades else "pass"}
`;

function version(revision: string, down: string | null, message: string, upgrade: string, downgrade: string): string {
	return `"""${message}

Revision ID: ${revision}
Revises: ${down ?? ''}
Create Date: 2026-11-20 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '${revision}'
down_revision = ${down === null ? 'None' : `'${down}'`}
branch_labels = None
depends_on = None


def upgrade():
${upgrade}


def downgrade():
${downgrade}
`;
}

export const REVISIONS = {players: '1f0c2a7d9b31', stakes: '2a8e4c1f6d02', rename: '3b9d5e2a7c13', sessions: '4c0e6f3b8d24'} as const;

export const VERSION_FILES = {
	players: {
		path: `migrations/versions/${REVISIONS.players}_create_players.py`,
		content: version(
			REVISIONS.players,
			null,
			'create players',
			`    op.create_table(
        'players',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('balance', sa.Numeric(precision=10, scale=2), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )`,
			"    op.drop_table('players')",
		),
	},
	stakes: {
		path: `migrations/versions/${REVISIONS.stakes}_create_stakes.py`,
		content: version(
			REVISIONS.stakes,
			REVISIONS.players,
			'create stakes',
			`    op.create_table(
        'stakes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('player_id', sa.Integer(), nullable=False),
        sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column('placed_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['player_id'], ['players.id']),
        sa.PrimaryKeyConstraint('id'),
    )`,
			"    op.drop_table('stakes')",
		),
	},
	rename: {
		path: `migrations/versions/${REVISIONS.rename}_rename_players_name.py`,
		content: version(
			REVISIONS.rename,
			REVISIONS.stakes,
			'rename players.name to display_name',
			"    op.alter_column('players', 'name', new_column_name='display_name', existing_type=sa.String(length=80), existing_nullable=False)",
			"    op.alter_column('players', 'display_name', new_column_name='name', existing_type=sa.String(length=80), existing_nullable=False)",
		),
	},
	sessions: {
		path: `migrations/versions/${REVISIONS.sessions}_create_sessions.py`,
		content: version(
			REVISIONS.sessions,
			REVISIONS.rename,
			'create sessions',
			`    op.create_table(
        'sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('player_id', sa.Integer(), nullable=False),
        sa.Column('hours', sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column('result', sa.Numeric(precision=10, scale=2), nullable=True),
        sa.ForeignKeyConstraint(['player_id'], ['players.id']),
        sa.PrimaryKeyConstraint('id'),
    )`,
			"    op.drop_table('sessions')",
		),
	},
} as const;

/** The rows written before the bad deploy, for the schema at the good commit's revision (players.name, stakes). */
export function seedBeforeTheDeploySql(): string {
	const players = ['Ada', 'Grace', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Frances']
		.map((name, index) => `(${index + 1}, '${name}', ${(1000 + index * 137.5).toFixed(2)})`)
		.join(', ');
	return `INSERT INTO players (id, name, balance) VALUES ${players};
INSERT INTO stakes (player_id, amount, placed_at) SELECT id, balance / 10, '2025-11-06 17:21:00' FROM players;
`;
}

/** The rows written after it, in the table it added. */
export function seedAfterTheDeploySql(): string {
	return 'INSERT INTO sessions (player_id, hours, result) SELECT id, 2.5, balance / 20 FROM players;\n';
}
