package localaws_test

// These tests register operations the way later engineers do (Server.Register with a
// typed handler) and drive them with the real SDK clients, to prove each codec's input
// binding and output encoding beyond the built-in operations: awsQuery lists and maps,
// restJson1 path/query bindings and statuses, awsJson epoch timestamps, CBOR timestamps
// in both directions.

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/budgets"
	budgettypes "github.com/aws/aws-sdk-go-v2/service/budgets/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/bedgov/terraform-provider-bedgov/internal/localaws"
)

func mustRegister(t *testing.T, s *localaws.Server, service string, op localaws.Operation) {
	t.Helper()
	if err := s.Register(service, op); err != nil {
		t.Fatal(err)
	}
}

type snsTag struct{ Key, Value string }

type snsCreateTopicInput struct {
	Name       *string
	Attributes map[string]string
	Tags       []snsTag
}

type snsCreateTopicOutput struct{ TopicArn string }

type snsListTopicsOutput struct {
	Topics    []struct{ TopicArn string } `xml:"Topics>member"`
	NextToken string                      `xml:",omitempty"`
}

func TestQueryCodecListsMapsAndErrors(t *testing.T) {
	t.Parallel()
	s, cfg := start(t)
	got := make(chan snsCreateTopicInput, 1)
	mustRegister(t, s, "sns", localaws.Operation{Name: "CreateTopic", Handler: localaws.Handle(func(c *localaws.Call, in *snsCreateTopicInput) (*snsCreateTopicOutput, error) {
		if in.Name == nil || *in.Name == "taken" {
			return nil, localaws.ErrorStatus(403, "AuthorizationError", "not allowed")
		}
		got <- *in
		return &snsCreateTopicOutput{TopicArn: "arn:aws:sns:" + c.Region + ":" + c.Account() + ":" + *in.Name}, nil
	})})
	mustRegister(t, s, "sns", localaws.Operation{Name: "ListTopics", Handler: localaws.Handle(func(*localaws.Call, *struct{ NextToken *string }) (*snsListTopicsOutput, error) {
		out := &snsListTopicsOutput{}
		out.Topics = append(out.Topics, struct{ TopicArn string }{"arn:aws:sns:us-east-1:123456789012:a"}, struct{ TopicArn string }{"arn:aws:sns:us-east-1:123456789012:b"})
		return out, nil
	})})
	c := sns.NewFromConfig(cfg)
	ctx := context.Background()

	out, err := c.CreateTopic(ctx, &sns.CreateTopicInput{
		Name:       aws.String("alerts"),
		Attributes: map[string]string{"DisplayName": "Alerts", "FifoTopic": "false"},
		Tags:       []snstypes.Tag{{Key: aws.String("team"), Value: aws.String("a")}, {Key: aws.String("cost-center"), Value: aws.String("42")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.TopicArn) != "arn:aws:sns:us-east-1:123456789012:alerts" {
		t.Fatalf("arn = %s", aws.ToString(out.TopicArn))
	}
	in := <-got
	if !maps.Equal(in.Attributes, map[string]string{"DisplayName": "Alerts", "FifoTopic": "false"}) ||
		!slices.Equal(in.Tags, []snsTag{{"team", "a"}, {"cost-center", "42"}}) {
		t.Fatalf("decoded input = %+v", in)
	}
	list, err := c.ListTopics(ctx, &sns.ListTopicsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Topics) != 2 || aws.ToString(list.Topics[1].TopicArn) != "arn:aws:sns:us-east-1:123456789012:b" {
		t.Fatalf("topics = %+v", list.Topics)
	}
	_, err = c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("taken")})
	var ae *snstypes.AuthorizationErrorException
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v, want AuthorizationErrorException", err)
	}
	_, err = c.ListPlatformApplications(ctx, &sns.ListPlatformApplicationsInput{})
	wantAPIError(t, err, "InvalidAction")
}

type lambdaGetFunctionInput struct {
	FunctionName string  `json:"-" path:"FunctionName"`
	Qualifier    *string `json:"-" query:"Qualifier"`
}

type lambdaConfiguration struct {
	FunctionName string `json:"FunctionName"`
	FunctionArn  string `json:"FunctionArn"`
	Version      string `json:"Version"`
	MemorySize   int32  `json:"MemorySize"`
}

type lambdaGetFunctionOutput struct {
	Configuration lambdaConfiguration `json:"Configuration"`
	Tags          map[string]string   `json:"Tags,omitempty"`
}

func TestRESTCodecBindingsStatusAndErrors(t *testing.T) {
	t.Parallel()
	s, cfg := start(t)
	mustRegister(t, s, "lambda", localaws.Operation{Name: "GetFunction", Method: "GET", Path: "/2015-03-31/functions/{FunctionName}",
		Handler: localaws.Handle(func(c *localaws.Call, in *lambdaGetFunctionInput) (*lambdaGetFunctionOutput, error) {
			if in.FunctionName == "missing" {
				return nil, localaws.ErrorStatus(404, "ResourceNotFoundException", "Function not found: %s", in.FunctionName)
			}
			v := "$LATEST"
			if in.Qualifier != nil {
				v = *in.Qualifier
			}
			return &lambdaGetFunctionOutput{Configuration: lambdaConfiguration{FunctionName: in.FunctionName, FunctionArn: "arn:aws:lambda:" + c.Region + ":" + c.Account() + ":function:" + in.FunctionName, Version: v, MemorySize: 128}, Tags: map[string]string{"a": "b"}}, nil
		})})
	mustRegister(t, s, "lambda", localaws.Operation{Name: "DeleteFunction", Method: "DELETE", Path: "/2015-03-31/functions/{FunctionName}", Status: 204,
		Handler: localaws.Handle(func(*localaws.Call, *lambdaGetFunctionInput) (*struct{}, error) { return nil, nil })})
	c := lambda.NewFromConfig(cfg)
	ctx := context.Background()

	out, err := c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("enforcer"), Qualifier: aws.String("7")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Configuration.FunctionName) != "enforcer" || aws.ToString(out.Configuration.Version) != "7" || aws.ToInt32(out.Configuration.MemorySize) != 128 || out.Tags["a"] != "b" {
		t.Fatalf("output = %+v", out.Configuration)
	}
	if _, err := c.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("enforcer")}); err != nil {
		t.Fatalf("204 response: %v", err)
	}
	_, err = c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("missing")})
	var nf *lambdatypes.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("error = %v", err)
	}
	_, err = c.ListLayers(ctx, &lambda.ListLayersInput{})
	wantAPIError(t, err, "UnknownOperationException")
}

type describeBudgetInput struct {
	AccountID  *string `json:"AccountId"`
	BudgetName *string `json:"BudgetName"`
}

type budgetJSON struct {
	BudgetName      string                `json:"BudgetName"`
	BudgetLimit     map[string]string     `json:"BudgetLimit"`
	TimeUnit        string                `json:"TimeUnit"`
	BudgetType      string                `json:"BudgetType"`
	LastUpdatedTime localaws.EpochSeconds `json:"LastUpdatedTime"`
}

func TestJSONCodecEpochTimestampsAndTypedErrors(t *testing.T) {
	t.Parallel()
	s, cfg := start(t)
	updated := time.Date(2026, 3, 1, 12, 30, 15, 500e6, time.UTC)
	mustRegister(t, s, "budgets", localaws.Operation{Name: "DescribeBudget", Handler: localaws.Handle(func(_ *localaws.Call, in *describeBudgetInput) (*struct {
		Budget budgetJSON `json:"Budget"`
	}, error) {
		if aws.ToString(in.BudgetName) != "team-a" {
			return nil, localaws.Errorf("NotFoundException", "Unable to get budget: %s - the budget doesn't exist.", aws.ToString(in.BudgetName))
		}
		return &struct {
			Budget budgetJSON `json:"Budget"`
		}{budgetJSON{BudgetName: "team-a", BudgetLimit: map[string]string{"Amount": "2000.0", "Unit": "USD"}, TimeUnit: "MONTHLY", BudgetType: "COST", LastUpdatedTime: localaws.EpochSeconds(updated)}}, nil
	})})
	c := budgets.NewFromConfig(cfg)
	ctx := context.Background()
	out, err := c.DescribeBudget(ctx, &budgets.DescribeBudgetInput{AccountId: aws.String("123456789012"), BudgetName: aws.String("team-a")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Budget.BudgetLimit.Amount) != "2000.0" || out.Budget.TimeUnit != budgettypes.TimeUnitMonthly || !out.Budget.LastUpdatedTime.Equal(updated) {
		t.Fatalf("budget = %+v (updated %v)", out.Budget, out.Budget.LastUpdatedTime)
	}
	_, err = c.DescribeBudget(ctx, &budgets.DescribeBudgetInput{AccountId: aws.String("123456789012"), BudgetName: aws.String("nope")})
	var nf *budgettypes.NotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("error = %v", err)
	}
	_, err = c.DescribeBudgetActionHistories(ctx, &budgets.DescribeBudgetActionHistoriesInput{AccountId: aws.String("123456789012"), BudgetName: aws.String("b"), ActionId: aws.String("a")})
	wantAPIError(t, err, "UnknownOperationException")
	// Cost Explorer shares the codec; its unknown operations answer the same way.
	_, err = costexplorer.NewFromConfig(cfg).ListCostCategoryDefinitions(ctx, &costexplorer.ListCostCategoryDefinitionsInput{})
	wantAPIError(t, err, "UnknownOperationException")
}

type cwDimension struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

type getMetricStatisticsInput struct {
	Namespace  string        `json:"Namespace"`
	MetricName string        `json:"MetricName"`
	Dimensions []cwDimension `json:"Dimensions"`
	StartTime  time.Time     `json:"StartTime"`
	EndTime    time.Time     `json:"EndTime"`
	Period     int32         `json:"Period"`
	Statistics []string      `json:"Statistics"`
}

type cwDatapoint struct {
	Timestamp time.Time `json:"Timestamp"`
	Sum       float64   `json:"Sum"`
	Unit      string    `json:"Unit"`
}

type getMetricStatisticsOutput struct {
	Label      string        `json:"Label"`
	Datapoints []cwDatapoint `json:"Datapoints"`
}

func TestCBORCodecTimestampsBothWays(t *testing.T) {
	t.Parallel()
	s, cfg := start(t)
	got := make(chan getMetricStatisticsInput, 1)
	mustRegister(t, s, "cloudwatch", localaws.Operation{Name: "GetMetricStatistics", Handler: localaws.Handle(func(_ *localaws.Call, in *getMetricStatisticsInput) (*getMetricStatisticsOutput, error) {
		got <- *in
		return &getMetricStatisticsOutput{Label: in.MetricName, Datapoints: []cwDatapoint{{Timestamp: in.StartTime, Sum: 1234.5, Unit: "Count"}}}, nil
	})})
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	out, err := cloudwatch.NewFromConfig(cfg).GetMetricStatistics(context.Background(), &cloudwatch.GetMetricStatisticsInput{
		Namespace: aws.String("AWS/Bedrock"), MetricName: aws.String("InputTokenCount"),
		Dimensions: []cwtypes.Dimension{{Name: aws.String("ModelId"), Value: aws.String("m")}},
		StartTime:  aws.Time(start), EndTime: aws.Time(start.Add(time.Hour)), Period: aws.Int32(300),
		Statistics: []cwtypes.Statistic{cwtypes.StatisticSum},
	})
	if err != nil {
		t.Fatal(err)
	}
	in := <-got
	if !in.StartTime.Equal(start) || !in.EndTime.Equal(start.Add(time.Hour)) || in.Period != 300 || len(in.Dimensions) != 1 || in.Dimensions[0].Value != "m" || !slices.Equal(in.Statistics, []string{"Sum"}) {
		t.Fatalf("decoded input = %+v", in)
	}
	if len(out.Datapoints) != 1 || !out.Datapoints[0].Timestamp.Equal(start) || aws.ToFloat64(out.Datapoints[0].Sum) != 1234.5 || aws.ToString(out.Label) != "InputTokenCount" {
		t.Fatalf("output = %+v", out.Datapoints)
	}
}

func TestRegisterRejectsIncompleteOperations(t *testing.T) {
	t.Parallel()
	s := localaws.New()
	h := func(*localaws.Call) (any, error) { return nil, nil }
	for _, tc := range []struct {
		service string
		op      localaws.Operation
	}{
		{"nosuchservice", localaws.Operation{Name: "X", Handler: h}},
		{"sts", localaws.Operation{Handler: h}},
		{"sts", localaws.Operation{Name: "X"}},
		{"lambda", localaws.Operation{Name: "X", Handler: h}}, // restJson1 needs a route
	} {
		if err := s.Register(tc.service, tc.op); err == nil {
			t.Errorf("Register(%s, %+v) accepted", tc.service, tc.op.Name)
		}
	}
}
