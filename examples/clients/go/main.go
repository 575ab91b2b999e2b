package main

import (
	"database/sql"

	_ "github.com/lib/pq"
)

func open() (*sql.DB, error) {
	// lib/pq defaults to sslmode=require: encrypted, never verified.
	return sql.Open("postgres", "host=db.internal dbname=inventory user=inventory")
}
