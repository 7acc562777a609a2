package governance

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The cap table's layout 2 (see doc.go, "The cap table"): a team's counters live in
// small slice items, its reservations in items of their own, found again through a
// sparse global secondary index sorted by expiry.
const (
	// LayoutVersion is the layout a record written by this code has (AttrLayout).
	// A record without it was written by bedgov before slices (layout 1): its own
	// counters are the team's "legacy slice" (see MigrateInput).
	LayoutVersion = 2

	AttrLayout        = "layout"
	AttrSlices        = "slices"               // slices in use (reservations are made on 0..slices-1)
	AttrSliceMax      = "slice_max"            // slices that exist (>= slices; the rest are drained)
	AttrBase          = "base_micros"          // a slice's share of the cap; rollover restarts from it
	AttrOverrideBase  = "override_base_micros" // a slice's share of the override cap
	AttrDebt          = "debt"                 // present while the team's room is negative (see doc.go)
	AttrSliceIndex    = "slice"                // a reservation's slice
	AttrAmount        = "amount_micros"        // a reservation's amount
	AttrNonce         = "nonce"                // a reservation's writer
	AttrReservationOf = "rsv_of"               // index hash key: "<team>#<bucket>"
	AttrReservationX  = "rsv_x"                // index range key: expiry, unix seconds

	// ReservationIndex is the cap table's sparse GSI over reservation items only.
	ReservationIndex = "reservations"
	// ReservationBuckets spreads a team's reservations over this many index partition
	// keys: every reservation writes the index twice (put, delete), and an index
	// partition takes 1,000 write units a second like a table's.
	ReservationBuckets = 16
	// MaxSlices bounds cap_slices: a configuration write updates every slice and the
	// record in one transaction (at most 100 items).
	MaxSlices = 64

	slicePrefix       = "slice#"
	reservationPrefix = "rsv#"
)

// SliceKey is the key of slice i of team.
func SliceKey(team string, i int) string { return fmt.Sprintf("%s%s#%d", slicePrefix, team, i) }

// ReservationKey is the key of the reservation item of slot.
func ReservationKey(team, slot string) string { return reservationPrefix + team + "#" + slot }

// ReservationIndexDefinition is the reservations GSI: hash rsv_of (S), range rsv_x (N),
// all attributes projected (reservation items are small). Sparse: only reservation items
// carry rsv_of.
func ReservationIndexDefinition() types.GlobalSecondaryIndex {
	return types.GlobalSecondaryIndex{
		IndexName: aws.String(ReservationIndex),
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(AttrReservationOf), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(AttrReservationX), KeyType: types.KeyTypeRange},
		},
		Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
	}
}

// reservationIndexAttributes are the attribute definitions the index adds.
func reservationIndexAttributes() []types.AttributeDefinition {
	return []types.AttributeDefinition{
		{AttributeName: aws.String(AttrReservationOf), AttributeType: types.ScalarAttributeTypeS},
		{AttributeName: aws.String(AttrReservationX), AttributeType: types.ScalarAttributeTypeN},
	}
}

// AddReservationIndexInput adds the reservations index to a cap table created before
// it existed (an on-demand table takes an index without throughput settings).
func AddReservationIndexInput(table string) *dynamodb.UpdateTableInput {
	gsi := ReservationIndexDefinition()
	return &dynamodb.UpdateTableInput{
		TableName:            aws.String(table),
		AttributeDefinitions: reservationIndexAttributes(),
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
			IndexName: gsi.IndexName, KeySchema: gsi.KeySchema, Projection: gsi.Projection,
		}}},
	}
}
