# The policy's targets. Skein replaces goose: `make migrate-create NAME=add_user_roles`.
# Copy this file into your project: it runs the skein on PATH (in Skein's own checkout, its release build first,
# else `swift run`). Override SKEIN for another binary, MIGRATIONS_DIR for another directory.
SKEIN ?= $(shell if [ -x .build/release/skein ]; then echo .build/release/skein; \
	elif command -v skein >/dev/null 2>&1; then echo skein; else echo swift run --quiet skein; fi)
MIGRATIONS_DIR ?= migrations
SQLC_CONFIG ?= sqlc.yaml

.PHONY: migrate-up migrate-down migrate-status migrate-verify migrate-create sqlc-generate sqlc-check sqlc-check-queries build release test quickstart

# The database comes from DATABASE_URL (or GOOSE_DBSTRING, or PG* variables).
migrate-up:
	$(SKEIN) up --dir $(MIGRATIONS_DIR)

migrate-down:
	$(SKEIN) down --dir $(MIGRATIONS_DIR)

migrate-status:
	$(SKEIN) status --dir $(MIGRATIONS_DIR)

# Proves every Down on a throwaway PostgreSQL (never DATABASE_URL); DEV_URL=… uses a scratch database there.
migrate-verify:
	$(SKEIN) verify --dir $(MIGRATIONS_DIR) $(if $(DEV_URL),--dev-url "$(DEV_URL)")

migrate-create:
	@if [ -z "$(NAME)" ]; then echo "usage: make migrate-create NAME=add_user_roles" >&2; exit 2; fi
	$(SKEIN) create $(NAME) sql --dir $(MIGRATIONS_DIR)

# Generates the Swift for sqlc.yaml's queries (`skein generate`), typed by a throwaway PostgreSQL (never
# DATABASE_URL); DEV_URL=… puts the schema database on a development server instead. SQLC_CONFIG=… for another file.
sqlc-generate:
	$(SKEIN) generate -f $(SQLC_CONFIG) $(if $(DEV_URL),--dev-url "$(DEV_URL)")

# CI without a database: the committed code is what the queries generate, from the describe cache sqlc-generate
# keeps in .skein/describe/ (commit it with the code); a query edited since is named at file:line. Exit 1 if stale.
sqlc-check:
	$(SKEIN) generate --check --offline -f $(SQLC_CONFIG)

# Names the migration that breaks (or retypes) each query, on a throwaway PostgreSQL; SINCE=<deployed version>
# checks only the migrations after it (CI: fail the build before such a migration ships).
sqlc-check-queries:
	$(SKEIN) check-queries -f $(SQLC_CONFIG) $(if $(SINCE),--since $(SINCE)) $(if $(DEV_URL),--dev-url "$(DEV_URL)")

# Linux: linked as a position-dependent executable (-no-pie), as Go links goose and dbmate: no 124,000 start-up
# relocations (docs/benchmarks.md, "Start-up").
build:
	swift build -c release --product skein --static-swift-stdlib $(if $(filter Linux,$(shell uname -s)),-Xlinker -no-pie)

# The release tarball, .deb and SHA256SUMS (scripts/release.sh); OUT=… for another directory.
OUT ?= .build/dist
release:
	scripts/release.sh --out $(OUT)

test:
	scripts/test.sh

quickstart:
	scripts/quickstart.sh
