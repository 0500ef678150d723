-- Generated from config/merchants/brooklyn-coffee.yaml by `ecomm generate` — do not edit.
-- One row describing the store, so marts from several stores can be told apart and labelled.
select
    'brooklyn-coffee' as merchant_id,
    'Brooklyn Coffee Roasters' as store_name,
    'America/New_York' as timezone,
    'USD' as reporting_currency
