package localaws

// ---- concurrency ----

type lambdaPutConcurrencyInput struct {
	FunctionName                 string `json:"-" path:"FunctionName"`
	ReservedConcurrentExecutions *int32
}

func lambdaPutFunctionConcurrency(c *Call, in *lambdaPutConcurrencyInput) (*lambdaConcurrency, error) {
	f, err := lookupFunction(c, in.FunctionName, nil)
	if err != nil {
		return nil, err
	}
	if in.ReservedConcurrentExecutions == nil {
		return nil, ErrValidation("1 validation error detected: Value null at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must not be null")
	}
	n := *in.ReservedConcurrentExecutions
	if n < 0 {
		return nil, lambdaValidation(n, "reservedConcurrentExecutions", "Member must have value greater than or equal to 0")
	}
	reserved := int32(0)
	for _, o := range c.Store().List(KindFunctionConcurrency) {
		if o.ID != f.ARN {
			reserved += o.Value.(int32)
		}
	}
	if lambdaAccountConcurrent-reserved-n < lambdaUnreservedMin {
		return nil, lambdaInvalidParameter("Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [%d].", lambdaUnreservedMin)
	}
	c.Store().Put(KindFunctionConcurrency, f.ARN, n)
	return &lambdaConcurrency{ReservedConcurrentExecutions: &n}, nil
}

func lambdaGetFunctionConcurrency(c *Call, in *lambdaFunctionInput) (*lambdaConcurrency, error) {
	f, err := lookupFunction(c, in.FunctionName, nil)
	if err != nil {
		return nil, err
	}
	out := &lambdaConcurrency{}
	if n, ok := c.Store().Lookup(KindFunctionConcurrency, f.ARN); ok {
		v := n.(int32)
		out.ReservedConcurrentExecutions = &v
	}
	return out, nil
}

func lambdaDeleteFunctionConcurrency(c *Call, in *lambdaFunctionInput) (*struct{}, error) {
	f, err := lookupFunction(c, in.FunctionName, nil)
	if err != nil {
		return nil, err
	}
	c.Store().Delete(KindFunctionConcurrency, f.ARN)
	return nil, nil
}
