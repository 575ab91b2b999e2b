#!/bin/sh
set -eu
export PGSSLMODE=allow
pg_dump "service=legacy" > /backup/legacy.sql
pg_dump "service=shop" > /backup/shop.sql
