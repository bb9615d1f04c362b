/**
 * Words that cannot be a bare (unquoted) table or column name on at least one engine tina4
 * supports. The generators quote such a name in every engine's migration (with the runtime
 * dialect's quoting, which the ORM uses for its queries too), so a model may have fields
 * like `order`, `position` or `group`.
 *
 * The list is what PostgreSQL 15, MariaDB 10.11, SQLite 3 and Firebird 3 refused as a bare
 * column name when every keyword they know (pg_get_keywords(), information_schema.KEYWORDS,
 * plus Firebird's and SQL Server's documented keywords) was tried, and MySQL 8's and SQL
 * Server's reserved words, which no local server checks. test/cli/sql-reserved.test.ts
 * repeats the trial on the live servers, so a keyword missing here fails a test.
 * Quoting a word that did not need it is harmless; missing one breaks a migration.
 */
export const SQL_RESERVED: ReadonlySet<string> = new Set(
  `
  accessible add admin all alter analyse analyze and any array as asc asensitive asymmetric at authorization avg
  backup before begin between bigint binary bit_length blob boolean both break browse bulk by call cascade case cast
  change char character check checkpoint close clustered coalesce collate collation column commit compute concurrently
  condition connect constraint contains containstable continue convert corr count covar_pop covar_samp create cross
  cube cume_dist current current_catalog current_connection current_date current_role current_schema current_time
  current_timestamp current_transaction current_user cursor database databases date day day_hour day_microsecond
  day_minute day_second dbcc deallocate dec decimal declare default deferrable delayed delete delete_domain_id
  deleting dense_rank deny desc describe deterministic disconnect disk distinct distinctrow distributed div do
  do_domain_ids double drop dual dump each else elseif empty enclosed end errlvl escape escaped except exec execute
  exists exit explain external extract false fetch file fillfactor filter first_value float float4 float8 for force
  foreign freetext freetexttable freeze from full fulltext function gdscode global goto grant group grouping groups
  having high_priority holdlock hour hour_microsecond hour_minute hour_second identity identity_insert identitycol if
  ignore ignore_domain_ids ilike in index infile initially inner inout insensitive insert inserting int int1 int2 int3
  int4 int8 integer intersect interval into is isnull iterate join json_table key keys kill lag last_value lateral
  lead leading leave left like limit linear lineno lines load localtime localtimestamp lock long longblob longtext
  loop low_priority lower master_demote_to_replica master_demote_to_slave master_ssl_verify_server_cert match max
  maxvalue mediumblob mediumint mediumtext merge middleint min minute minute_microsecond minute_second mod modifies
  month national natural nchar no no_write_to_binlog nocheck nonclustered not nothing notnull nth_value ntile null
  nullif numeric octet_length of off offset offsets on only open opendatasource openquery openrowset openxml optimize
  option optionally or order out outer outfile over overlaps page_checksum parameter parse_vcol_expr partition percent
  percent_rank pivot placing plan portion position post_event precision primary print proc procedure public purge
  raise raiserror range rank read read_write reads readtext real reconfigure record_version recreate recursive
  ref_system_id references regexp regr_avgx regr_avgy regr_count regr_intercept regr_r2 regr_slope regr_sxx regr_sxy
  regr_syy release rename repeat replace replication require resignal restore restrict return returning
  returning_values returns revert revoke right rlike rollback row row_count row_number rowcount rowguidcol rows rule
  save savepoint schema schemas scroll second second_microsecond securityaudit select semantickeyphrasetable
  semanticsimilaritydetailstable semanticsimilaritytable sensitive separator session_user set setuser show shutdown
  signal similar smallint some spatial specific sql sql_big_result sql_calc_found_rows sql_small_result sqlcode
  sqlexception sqlstate sqlwarning ssl start starting statistics stats_auto_recalc stats_persistent stats_sample_pages
  stddev_pop stddev_samp straight_join sum symmetric system system_user table tablesample terminated textsize then
  time timestamp tinyblob tinyint tinytext to top trailing tran transaction trigger trim true truncate try_convert
  tsequal undo union unique unknown unlock unpivot unsigned update updatetext updating upper usage use user using
  utc_date utc_time utc_timestamp value values var_pop var_samp varbinary varchar varcharacter variable variadic
  varying verbose view waitfor when where while window with within write writetext xor year year_month zerofill
  `.trim().split(/\s+/),
);
