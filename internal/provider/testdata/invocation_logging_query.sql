-- bedgov: Bedrock usage per team and model for one month.
-- Run with one execution parameter, the month as 'YYYY/MM', e.g. '2026/11'.
-- Cost is tokens times the listed prices (USD per million tokens).
WITH profiles (profile_arn, team, model_id, input_per_mtok, output_per_mtok, cache_read_per_mtok, cache_write_per_mtok) AS (
  VALUES
    ('PROFILE_ARN', 'TEAM', 'anthropic.claude-3-haiku-20240307-v1:0', DECIMAL '0.25', DECIMAL '1.25', DECIMAL '0.25', DECIMAL '0.25')
),
calls AS (
  SELECT
    l.modelid,
    coalesce(l.input.inputtokencount, 0) AS input_tokens,
    coalesce(l.output.outputtokencount, 0) AS output_tokens,
    coalesce(l.input.cachereadinputtokencount, 0) AS cache_read_tokens,
    coalesce(l.input.cachewriteinputtokencount, 0) AS cache_write_tokens
  FROM "bedgov_invocation_logs"."invocations" l
  WHERE l.dt LIKE ? || '/%'
    AND l.errorcode IS NULL
)
SELECT
  coalesce(p.team, '(none)') AS team,
  coalesce(p.model_id, c.modelid) AS model_id,
  count(*) AS invocations,
  sum(c.input_tokens) AS input_tokens,
  sum(c.output_tokens) AS output_tokens,
  sum(c.cache_read_tokens) AS cache_read_tokens,
  sum(c.cache_write_tokens) AS cache_write_tokens,
  sum(
    (c.input_tokens * p.input_per_mtok + c.output_tokens * p.output_per_mtok
      + c.cache_read_tokens * p.cache_read_per_mtok + c.cache_write_tokens * p.cache_write_per_mtok) / 1000000
  ) AS cost_usd
FROM calls c
LEFT JOIN profiles p ON p.profile_arn = c.modelid
GROUP BY 1, 2
ORDER BY 1, 2
