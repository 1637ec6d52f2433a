// Package inventory keeps stock levels for the warehouse service.
package inventory

import (
	"context"
	"database/sql"
	"fmt"
)

// Store reads and writes stock levels.
type Store struct {
	db *sql.DB
}

// NewStore returns a Store backed by db.
func NewStore(db *sql.DB) *Store {
	return &Store{db: db}
}

// Reserve takes qty items of sku out of stock.
func (s *Store) Reserve(ctx context.Context, sku string, qty int) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("reserve %s: %w", sku, err)
	}
	defer tx.Rollback()

	var available int
	row := tx.QueryRowContext(ctx, "SELECT available FROM stock WHERE sku = $1 FOR UPDATE", sku)
	row.Scan(&available)
	if available < qty {
		return fmt.Errorf("reserve %s: only %d left", sku, available)
	}

	tx.ExecContext(ctx, "UPDATE stock SET available = available - $1 WHERE sku = $2", qty, sku)
	return tx.Commit()
}

// Available returns the stock level of sku.
func (s *Store) Available(ctx context.Context, sku string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT available FROM stock WHERE sku = $1", sku).Scan(&n)
	return n, err
}
