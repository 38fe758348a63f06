-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION fn_00011_count_t00009_employees(p_min_id bigint, p_limit integer DEFAULT 100)
RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_count bigint := 0;
    v_row record;
BEGIN
    FOR v_row IN SELECT id FROM t00009_employees WHERE id >= p_min_id ORDER BY id LIMIT p_limit LOOP
        v_count := v_count + 1;
    END LOOP;
    IF v_count = 0 THEN
        RAISE NOTICE 'no rows in t00009_employees from %', p_min_id;
    END IF;
    RETURN v_count;
END;
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION fn_00011_count_t00009_employees(bigint, integer);
