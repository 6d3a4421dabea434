{#- ATT-5 channel groups. A touch's channel is the dim_channel row for its exact
    (utm_source, utm_medium), else the medium's `*` row, else `other`; no utm_medium at
    all is `direct`. Use both macros together:
        from events {{ channel_joins('events.utm_source', 'events.utm_medium') }}
        select {{ channel_group('events.utm_medium') }} as channel -#}

{% macro channel_joins(utm_source, utm_medium) -%}
    left join {{ ref('dim_channel') }} as channel_exact
        on channel_exact.utm_source = {{ utm_source }}
        and channel_exact.utm_medium = {{ utm_medium }}
    left join {{ ref('dim_channel') }} as channel_by_medium
        on channel_by_medium.utm_source = '*'
        and channel_by_medium.utm_medium = {{ utm_medium }}
{%- endmacro %}

{% macro channel_group(utm_medium) -%}
    case
        when {{ utm_medium }} is null then 'direct'
        else coalesce(channel_exact.channel_group, channel_by_medium.channel_group, 'other')
    end
{%- endmacro %}
