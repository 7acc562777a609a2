CREATE EXTERNAL TABLE `bedgov`.`bedrock_invocations` (
  `schematype` string,
  `schemaversion` string,
  `timestamp` string,
  `accountid` string,
  `region` string,
  `requestid` string,
  `operation` string,
  `modelid` string,
  `identity` struct<arn:string>,
  `input` struct<inputcontenttype:string,inputtokencount:bigint,cachereadinputtokencount:bigint,cachewriteinputtokencount:bigint>,
  `output` struct<outputcontenttype:string,outputtokencount:bigint>,
  `inferenceregion` string,
  `errorcode` string
)
PARTITIONED BY (`dt` string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://acme-bedrock-invocation-logs/bedrock/AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/'
TBLPROPERTIES (
  'classification' = 'json',
  'projection.dt.format' = 'yyyy/MM/dd',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = 'DAYS',
  'projection.dt.range' = '2023/01/01,NOW',
  'projection.dt.type' = 'date',
  'projection.enabled' = 'true',
  'storage.location.template' = 's3://acme-bedrock-invocation-logs/bedrock/AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/${dt}'
)
