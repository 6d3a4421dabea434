-- SES-1: no session lasts longer than lakehouse__session_max_hours. A singular test because
-- the bound is a var: column_checks (macros/tests/column_checks.sql) runs generic tests
-- with their arguments as dbt stored them, before any Jinja in them is rendered.
select session_id, duration_seconds
from {{ ref('fact_sessions') }}
where duration_seconds > {{ var('lakehouse__session_max_hours') | int * 3600 }}
