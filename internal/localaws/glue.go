package localaws

import (
	"regexp"
	"strings"
	"time"
)

// AWS Glue Data Catalog (awsJson1_1): databases and tables, the part the invocation-log
// table needs. Databases live under KindGlueDatabase (id "<region>/<name>"), tables
// under KindGlueTable (id "<region>/<database>/<name>"). Glue lower-cases database and
// table names, as here.

func init() {
	RegisterBuiltin("glue",
		Operation{Name: "CreateDatabase", Handler: Handle(glueCreateDatabase)},
		Operation{Name: "GetDatabase", Handler: Handle(glueGetDatabase)},
		Operation{Name: "DeleteDatabase", Handler: Handle(glueDeleteDatabase)},
		Operation{Name: "CreateTable", Handler: Handle(glueCreateTable)},
		Operation{Name: "GetTable", Handler: Handle(glueGetTable)},
		Operation{Name: "UpdateTable", Handler: Handle(glueUpdateTable)},
		Operation{Name: "DeleteTable", Handler: Handle(glueDeleteTable)},
		Operation{Name: "TagResource", Handler: Handle(glueTagResource)},
		Operation{Name: "UntagResource", Handler: Handle(glueUntagResource)},
		Operation{Name: "GetTags", Handler: Handle(glueGetTags)},
	)
}

// Store kinds of the Glue emulation.
const (
	KindGlueDatabase = "glue:database" // id: "<region>/<name>"; value GlueDatabase
	KindGlueTable    = "glue:table"    // id: "<region>/<database>/<name>"; value GlueTable
)

// GlueDatabase is a stored Data Catalog database.
type GlueDatabase struct {
	Name        string       `json:"Name"`
	Description string       `json:"Description,omitempty"`
	CatalogID   string       `json:"CatalogId"`
	CreateTime  EpochSeconds `json:"CreateTime"`
}

// GlueColumn is a table column.
type GlueColumn struct {
	Name    string `json:"Name"`
	Type    string `json:"Type,omitempty"`
	Comment string `json:"Comment,omitempty"`
}

// GlueStorageDescriptor is where and how a table's data is stored.
type GlueStorageDescriptor struct {
	Columns      []GlueColumn `json:"Columns,omitempty"`
	Location     string       `json:"Location,omitempty"`
	InputFormat  string       `json:"InputFormat,omitempty"`
	OutputFormat string       `json:"OutputFormat,omitempty"`
	SerdeInfo    *struct {
		Name                 string            `json:"Name,omitempty"`
		SerializationLibrary string            `json:"SerializationLibrary,omitempty"`
		Parameters           map[string]string `json:"Parameters,omitempty"`
	} `json:"SerdeInfo,omitempty"`
	Compressed bool `json:"Compressed,omitempty"`
}

// GlueTableInput is the TableInput of CreateTable and UpdateTable.
type GlueTableInput struct {
	Name              string                 `json:"Name"`
	Description       string                 `json:"Description,omitempty"`
	TableType         string                 `json:"TableType,omitempty"`
	StorageDescriptor *GlueStorageDescriptor `json:"StorageDescriptor,omitempty"`
	PartitionKeys     []GlueColumn           `json:"PartitionKeys,omitempty"`
	Parameters        map[string]string      `json:"Parameters,omitempty"`
}

// GlueTable is a stored table as GetTable returns it.
type GlueTable struct {
	GlueTableInput
	DatabaseName string       `json:"DatabaseName"`
	CatalogID    string       `json:"CatalogId"`
	CreateTime   EpochSeconds `json:"CreateTime"`
	UpdateTime   EpochSeconds `json:"UpdateTime"`
}

var glueNameRe = regexp.MustCompile(`^[\x{0020}-\x{D7FF}\x{E000}-\x{FFFD}\x{10000}-\x{10FFFF}\t]{1,255}$`)

func glueNotFound(format string, args ...any) *APIError {
	return Errorf("EntityNotFoundException", format, args...)
}

func validGlueName(field, name string) error {
	if !glueNameRe.MatchString(name) {
		return Errorf("InvalidInputException", "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length between 1 and 255", name, field)
	}
	return nil
}

type glueCreateDatabaseInput struct {
	DatabaseInput *struct {
		Name        string `json:"Name"`
		Description string `json:"Description"`
	} `json:"DatabaseInput"`
	Tags map[string]string `json:"Tags"`
}

func glueCreateDatabase(c *Call, in *glueCreateDatabaseInput) (*struct{}, error) {
	if in.DatabaseInput == nil {
		return nil, Errorf("InvalidInputException", "DatabaseInput is required")
	}
	name := strings.ToLower(in.DatabaseInput.Name)
	if err := validGlueName("databaseInput.name", name); err != nil {
		return nil, err
	}
	db := GlueDatabase{Name: name, Description: in.DatabaseInput.Description, CatalogID: c.Account(), CreateTime: EpochSeconds(time.Now().UTC())}
	if err := validGlueTags(in.Tags); err != nil {
		return nil, err
	}
	if !c.Store().Create(KindGlueDatabase, c.Region+"/"+name, db) {
		return nil, Errorf("AlreadyExistsException", "Database already exists.")
	}
	if len(in.Tags) > 0 {
		c.Store().Put(kindGlueTags, glueDatabaseARN(c, name), in.Tags)
	}
	return &struct{}{}, nil
}

type glueNameInput struct {
	Name string `json:"Name"`
}

type glueGetDatabaseOutput struct {
	Database GlueDatabase `json:"Database"`
}

func glueGetDatabase(c *Call, in *glueNameInput) (*glueGetDatabaseOutput, error) {
	v, ok := c.Store().Lookup(KindGlueDatabase, c.Region+"/"+strings.ToLower(in.Name))
	if !ok {
		return nil, glueNotFound("Database %s not found.", in.Name)
	}
	return &glueGetDatabaseOutput{Database: v.(GlueDatabase)}, nil
}

func glueDeleteDatabase(c *Call, in *glueNameInput) (*struct{}, error) {
	name := strings.ToLower(in.Name)
	if !c.Store().Delete(KindGlueDatabase, c.Region+"/"+name) {
		return nil, glueNotFound("Database %s not found.", in.Name)
	}
	c.Store().Delete(kindGlueTags, glueDatabaseARN(c, name))
	for _, id := range c.Store().IDs(KindGlueTable) {
		if strings.HasPrefix(id, c.Region+"/"+name+"/") {
			c.Store().Delete(KindGlueTable, id)
		}
	}
	return &struct{}{}, nil
}

type glueTableInput struct {
	DatabaseName string          `json:"DatabaseName"`
	TableInput   *GlueTableInput `json:"TableInput"`
}

func validateTableInput(c *Call, in *glueTableInput) (string, *GlueTableInput, error) {
	if in.TableInput == nil {
		return "", nil, Errorf("InvalidInputException", "TableInput is required")
	}
	db := strings.ToLower(in.DatabaseName)
	t := *in.TableInput
	t.Name = strings.ToLower(t.Name)
	if err := validGlueName("tableInput.name", t.Name); err != nil {
		return "", nil, err
	}
	if t.TableType != "" && t.TableType != "EXTERNAL_TABLE" && t.TableType != "VIRTUAL_VIEW" && t.TableType != "MANAGED_TABLE" {
		return "", nil, Errorf("InvalidInputException", "TableType %s is not supported", t.TableType)
	}
	seen := map[string]bool{}
	cols := append([]GlueColumn(nil), t.PartitionKeys...)
	if t.StorageDescriptor != nil {
		cols = append(cols, t.StorageDescriptor.Columns...)
		if l := t.StorageDescriptor.Location; l != "" && !strings.HasPrefix(l, "s3://") {
			return "", nil, Errorf("InvalidInputException", "Location %s is not an S3 URI", l)
		}
	}
	for _, col := range cols {
		n := strings.ToLower(col.Name)
		if err := validGlueName("column.name", n); err != nil {
			return "", nil, err
		}
		if seen[n] {
			return "", nil, Errorf("InvalidInputException", "Duplicate column name: %s", col.Name)
		}
		seen[n] = true
	}
	if !databaseExists(c, db) {
		return "", nil, glueNotFound("Database %s not found.", in.DatabaseName)
	}
	return db, &t, nil
}

func glueCreateTable(c *Call, in *glueTableInput) (*struct{}, error) {
	db, t, err := validateTableInput(c, in)
	if err != nil {
		return nil, err
	}
	now := EpochSeconds(time.Now().UTC())
	tbl := GlueTable{GlueTableInput: *t, DatabaseName: db, CatalogID: c.Account(), CreateTime: now, UpdateTime: now}
	if !c.Store().Create(KindGlueTable, c.Region+"/"+db+"/"+t.Name, tbl) {
		return nil, Errorf("AlreadyExistsException", "Table already exists.")
	}
	return &struct{}{}, nil
}

func glueUpdateTable(c *Call, in *glueTableInput) (*struct{}, error) {
	db, t, err := validateTableInput(c, in)
	if err != nil {
		return nil, err
	}
	err = c.Store().Update(KindGlueTable, c.Region+"/"+db+"/"+t.Name, func(v any) (any, error) {
		old := v.(GlueTable)
		old.GlueTableInput = *t
		old.UpdateTime = EpochSeconds(time.Now().UTC())
		return old, nil
	})
	if err != nil {
		return nil, glueNotFound("Table %s not found.", t.Name)
	}
	return &struct{}{}, nil
}

type glueTableRef struct {
	DatabaseName string `json:"DatabaseName"`
	Name         string `json:"Name"`
}

type glueGetTableOutput struct {
	Table GlueTable `json:"Table"`
}

func glueGetTable(c *Call, in *glueTableRef) (*glueGetTableOutput, error) {
	db, name := strings.ToLower(in.DatabaseName), strings.ToLower(in.Name)
	if !databaseExists(c, db) {
		return nil, glueNotFound("Database %s not found.", in.DatabaseName)
	}
	v, ok := c.Store().Lookup(KindGlueTable, c.Region+"/"+db+"/"+name)
	if !ok {
		return nil, glueNotFound("Table %s not found.", in.Name)
	}
	return &glueGetTableOutput{Table: v.(GlueTable)}, nil
}

func glueDeleteTable(c *Call, in *glueTableRef) (*struct{}, error) {
	db, name := strings.ToLower(in.DatabaseName), strings.ToLower(in.Name)
	if !databaseExists(c, db) {
		return nil, glueNotFound("Database %s not found.", in.DatabaseName)
	}
	if !c.Store().Delete(KindGlueTable, c.Region+"/"+db+"/"+name) {
		return nil, glueNotFound("Table %s not found.", in.Name)
	}
	return &struct{}{}, nil
}

// databaseExists reports whether the Region has the database (honouring invisibility).
func databaseExists(c *Call, name string) bool {
	_, ok := c.Store().Lookup(KindGlueDatabase, c.Region+"/"+name)
	return ok
}
