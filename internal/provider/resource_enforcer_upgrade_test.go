package provider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/bedgov/terraform-provider-bedgov/internal/acctest"
	"github.com/bedgov/terraform-provider-bedgov/internal/awsops"
	"github.com/bedgov/terraform-provider-bedgov/internal/governance"
)

// layoutV1Table is the cap table an earlier bedgov wrote (governance/testdata): its
// definition (hash key pk, no index) and its items.
type layoutV1Table struct {
	AttributeDefinitions []types.AttributeDefinition
	KeySchema            []types.KeySchemaElement
	Items                []map[string]types.AttributeValue
}

func loadLayoutV1(t *testing.T) layoutV1Table {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "governance", "testdata", "cap-table-layout-v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		AttributeDefinitions []types.AttributeDefinition
		KeySchema            []types.KeySchemaElement
		Items                []map[string]json.RawMessage
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	out := layoutV1Table{AttributeDefinitions: doc.AttributeDefinitions, KeySchema: doc.KeySchema}
	for _, it := range doc.Items {
		item := map[string]types.AttributeValue{}
		for k, v := range it {
			item[k] = wireValue(t, v)
		}
		out.Items = append(out.Items, item)
	}
	return out
}

// wireValue decodes one attribute value of DynamoDB's JSON wire format (the types the
// fixture holds).
func wireValue(t *testing.T, raw json.RawMessage) types.AttributeValue {
	t.Helper()
	var v struct {
		S  *string
		N  *string
		SS []string
		M  map[string]json.RawMessage
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	switch {
	case v.S != nil:
		return &types.AttributeValueMemberS{Value: *v.S}
	case v.N != nil:
		return &types.AttributeValueMemberN{Value: *v.N}
	case v.SS != nil:
		return &types.AttributeValueMemberSS{Value: v.SS}
	case v.M != nil:
		m := map[string]types.AttributeValue{}
		for k, e := range v.M {
			m[k] = wireValue(t, e)
		}
		return &types.AttributeValueMemberM{Value: m}
	}
	t.Fatalf("attribute value %s: a type the fixture loader does not know", raw)
	return nil
}

// A cap table created by an earlier bedgov (no reservations index) is upgraded in place
// by apply: Read notices the missing index, plan shows an in-place update, apply adds
// the index and waits until DynamoDB has backfilled it, and the table's items are kept.
func TestAccEnforcer_upgradeTableInPlace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	name := acctest.RandomName()
	table := name + "-caps"
	v1 := loadLayoutV1(t)
	db := acctest.Client(t).DynamoDB
	createV1 := func() {
		if _, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
			TableName: aws.String(table), BillingMode: types.BillingModePayPerRequest,
			AttributeDefinitions: v1.AttributeDefinitions, KeySchema: v1.KeySchema,
		}); err != nil {
			t.Fatal(err)
		}
		if err := awsops.WaitTableActive(ctx, db, table); err != nil {
			t.Fatal(err)
		}
		for _, item := range v1.Items {
			if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
				t.Fatal(err)
			}
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkEnforcerDestroyed(t, name),
		Steps: []resource.TestStep{
			{
				// The enforcer as an earlier version left it, adopted by import.
				PreConfig:          createV1,
				Config:             enforcerConfig(name),
				ResourceName:       enforcerAddr,
				ImportState:        true,
				ImportStateId:      name,
				ImportStatePersist: true,
				ImportStateCheck: func(s []*terraform.InstanceState) error {
					if len(s) != 1 || s[0].Attributes["table_arn"] == "" || s[0].Attributes["reservation_index_status"] != "" {
						return fmt.Errorf("imported state: %v", s)
					}
					return nil
				},
			},
			{
				Config: enforcerConfig(name),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(enforcerAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(enforcerAddr, tfjsonpath.New("reservation_index_status"), knownvalue.StringExact("ACTIVE")),
				}},
				Check: func(*terraform.State) error {
					out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
					if err != nil {
						return err
					}
					want := governance.ReservationIndexDefinition()
					if gsi := out.Table.GlobalSecondaryIndexes; len(gsi) != 1 || gsi[0].IndexStatus != types.IndexStatusActive ||
						aws.ToString(gsi[0].IndexName) != governance.ReservationIndex || !reflect.DeepEqual(keyNames(gsi[0].KeySchema), keyNames(want.KeySchema)) {
						return fmt.Errorf("indexes after apply: %+v", gsi)
					}
					for _, item := range v1.Items {
						got, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{"pk": item["pk"]}, ConsistentRead: aws.Bool(true)})
						if err != nil {
							return err
						}
						if !reflect.DeepEqual(got.Item, item) {
							return fmt.Errorf("item %v changed by the upgrade: %v", item["pk"], got.Item)
						}
					}
					// The upgraded enforcer may query the index it needs.
					doc, err := awsops.RolePolicy(ctx, acctest.Client(t).IAM, name+"-enforcer", "bedgov-enforcer")
					if err != nil || !strings.Contains(doc, `"Resource":["arn:aws:dynamodb:us-east-1:`+acctest.AccountID+`:table/`+table+`/index/`+governance.ReservationIndex+`"]`) {
						return fmt.Errorf("role policy = %s, %v", doc, err)
					}
					return nil
				},
			},
			{
				Config:           enforcerConfig(name),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

func keyNames(ks []types.KeySchemaElement) []string {
	var out []string
	for _, k := range ks {
		out = append(out, aws.ToString(k.AttributeName)+" "+string(k.KeyType))
	}
	return out
}
