-- Generated from config/merchants/demo-store.yaml by `ecomm generate` — do not edit.
-- One row describing the store, so marts from several stores can be told apart and labelled.
select
    'demo-store' as merchant_id,
    'Demo Store' as store_name,
    'Europe/Berlin' as timezone,
    'EUR' as reporting_currency
