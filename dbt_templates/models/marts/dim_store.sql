-- One row describing the store, so marts from several stores can be told apart and labelled.
select
    [[ slug | sql_string ]] as merchant_id,
    [[ display_name | sql_string ]] as store_name,
    [[ timezone | sql_string ]] as timezone,
    [[ reporting_currency | sql_string ]] as reporting_currency
