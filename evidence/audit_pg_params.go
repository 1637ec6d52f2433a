package evidence

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// appendStatement names appendRows prepared on a connection, and
// writeSettingsStatement setWriteSettings.
const (
	appendStatement        = "gov_audit_append_v1"
	writeSettingsStatement = "gov_audit_write_settings_v2"
)

// appendParamOIDs are the types of appendRows' parameters, in order, as
// appendParams encodes them: the statement prepared must take these.
var appendParamOIDs = []uint32{
	pgtype.Int8ArrayOID, pgtype.TextArrayOID, pgtype.TextArrayOID, pgtype.Int8ArrayOID,
	pgtype.ByteaArrayOID, pgtype.TextArrayOID, pgtype.ByteaArrayOID, pgtype.ByteaArrayOID,
	pgtype.Int8OID, pgtype.ByteaOID, pgtype.Int8OID, pgtype.ByteaOID,
}

// binaryFormat: every parameter and result column in binary format.
var binaryFormat = []int16{pgtype.BinaryFormatCode}

// paramBuf is the buffer appendParams encodes a batch into, kept for the
// next batch (one batch's bodies, which pgx would otherwise encode into a
// buffer grown anew, value by value, for every batch).
type paramBuf struct {
	mu  sync.Mutex
	buf []byte
}

// maxKeptParams bounds the buffer kept between batches: a batch of large
// records does not hold its memory after it.
const maxKeptParams = 1 << 20

// execAppend runs appendRows for the chained rows out after the head
// (headSeq, headHash), its parameters encoded here in PostgreSQL's binary
// format (appendParams) instead of by pgx's reflection on [][]byte, and
// returns the rows it appended: all of out, or none. It is one implicit
// transaction sent at once (pipeline mode): setWriteSettings, appendRows,
// Sync; the rows are stored once the Sync is answered. unknown is the
// backend that ran it if its outcome is unknown (sent, and not answered
// with an ERROR; 0: it did not commit, or did).
func (s *PGStore) execAppend(ctx context.Context, out chainRows, headSeq int64, headHash []byte) (n int64, unknown uint32, err error) {
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer c.Release()
	sd, err := c.Conn().Prepare(ctx, appendStatement, appendRows)
	if err != nil {
		return 0, 0, err
	}
	if !slices.Equal(sd.ParamOIDs, appendParamOIDs) || len(sd.Fields) != 1 || sd.Fields[0].DataTypeOID != pgtype.Int8OID {
		return 0, 0, errors.New("audit append: the statement's types are not those encoded")
	}
	timeout, err := c.Conn().Prepare(ctx, writeSettingsStatement, setWriteSettings)
	if err != nil {
		return 0, 0, err
	}
	s.params.mu.Lock()
	defer s.params.mu.Unlock()
	params, buf, err := appendParams(s.params.buf[:0], out, headSeq, headHash)
	if cap(buf) <= maxKeptParams {
		s.params.buf = buf
	} else {
		s.params.buf = nil
	}
	if err != nil {
		return 0, 0, err
	}
	pl := c.Conn().PgConn().StartPipeline(ctx)
	n, err = sendAppend(pl, timeout, sd, strconv.FormatInt(s.lockTimeout(), 10), params)
	if cerr := pl.Close(); err == nil && cerr != nil {
		n, err = 0, cerr
	}
	if err != nil && !refused(err) {
		unknown = c.Conn().PgConn().PID()
	}
	return n, unknown, err
}

// sendAppend sends setWriteSettings and appendRows, then Sync, on pl and
// reads their answers: the rows appended, once the Sync is answered (the
// implicit transaction commits at the Sync). Any other answer is an error.
func sendAppend(pl *pgconn.Pipeline, timeout, stmt *pgconn.StatementDescription, lockTimeout string, params [][]byte) (int64, error) {
	pl.SendQueryStatement(timeout, [][]byte{[]byte(lockTimeout)}, nil, nil)
	pl.SendQueryStatement(stmt, params, binaryFormat, binaryFormat)
	if err := pl.Sync(); err != nil {
		return 0, err
	}
	if _, err := pipelineRows(pl); err != nil {
		return 0, err
	}
	rows, err := pipelineRows(pl)
	if err != nil {
		return 0, err
	}
	if len(rows) != 1 || len(rows[0]) != 1 || len(rows[0][0]) != 8 {
		return 0, errors.New("audit append: no count of rows appended")
	}
	n := int64(binary.BigEndian.Uint64(rows[0][0])) //nolint:gosec // a bigint's bits
	got, err := pl.GetResults()
	if err != nil {
		return 0, err
	}
	if _, ok := got.(*pgconn.PipelineSync); !ok {
		return 0, fmt.Errorf("audit append: %T instead of the commit's answer", got)
	}
	return n, nil
}

// pipelineRows reads the next statement's rows on pl.
func pipelineRows(pl *pgconn.Pipeline) ([][][]byte, error) {
	got, err := pl.GetResults()
	if err != nil {
		return nil, err
	}
	rr, ok := got.(*pgconn.ResultReader)
	if !ok {
		return nil, fmt.Errorf("audit append: %T instead of a statement's result", got)
	}
	res := rr.Read()
	return res.Rows, res.Err
}

// appendParams encodes appendRows' twelve parameters (appendParamOIDs)
// into buf, grown once to their size, and returns each parameter's bytes
// (slices of buf) and buf.
func appendParams(buf []byte, out chainRows, headSeq int64, headHash []byte) ([][]byte, []byte, error) {
	n := len(out.seq)
	if n == 0 || len(out.kind) != n || len(out.digest) != n || len(out.atNs) != n || len(out.body) != n ||
		len(out.summary) != n || len(out.prevHash) != n || len(out.hash) != n {
		return nil, buf, errors.New("audit append: columns of different lengths")
	}
	size := 8*arrayHeaderSize + 2*n*(4+8) + 8 + len(out.hash[n-1]) + 8 + len(headHash)
	for i := range n {
		size += 4*6 + len(out.kind[i]) + len(out.digest[i]) + len(out.body[i]) + len(out.prevHash[i]) + len(out.hash[i])
		if out.summary[i] != nil {
			size += len(*out.summary[i])
		}
		if len(out.body[i]) > math.MaxInt32 {
			return nil, buf, fmt.Errorf("audit append: a body of %d bytes", len(out.body[i]))
		}
	}
	buf = slices.Grow(buf[:0], size)
	var ends [12]int
	buf = int8Array(buf, out.seq)
	ends[0] = len(buf)
	buf = bytesArray(buf, pgtype.TextOID, out.kind)
	ends[1] = len(buf)
	buf = bytesArray(buf, pgtype.TextOID, out.digest)
	ends[2] = len(buf)
	buf = int8Array(buf, out.atNs)
	ends[3] = len(buf)
	buf = bytesArray(buf, pgtype.ByteaOID, out.body)
	ends[4] = len(buf)
	buf = nullableTextArray(buf, out.summary)
	ends[5] = len(buf)
	buf = bytesArray(buf, pgtype.ByteaOID, out.prevHash)
	ends[6] = len(buf)
	buf = bytesArray(buf, pgtype.ByteaOID, out.hash)
	ends[7] = len(buf)
	buf = binary.BigEndian.AppendUint64(buf, uint64(out.seq[n-1])) //nolint:gosec // an int8's bits
	ends[8] = len(buf)
	buf = append(buf, out.hash[n-1]...)
	ends[9] = len(buf)
	buf = binary.BigEndian.AppendUint64(buf, uint64(headSeq)) //nolint:gosec // as above
	ends[10] = len(buf)
	buf = append(buf, headHash...)
	ends[11] = len(buf)
	params := make([][]byte, len(ends))
	start := 0
	for i, end := range ends {
		params[i] = buf[start:end:end]
		start = end
	}
	return params, buf, nil
}

// arrayHeaderSize is the size of a one-dimensional array's header.
const arrayHeaderSize = 5 * 4

// arrayHeader begins a one-dimensional array of n elements of type elem,
// with NULLs or not, lower bound 1: PostgreSQL's binary array format
// (array_send). Each element follows as its length (-1: NULL) and bytes.
func arrayHeader(b []byte, elem uint32, n int, nulls bool) []byte {
	flags := uint32(0)
	if nulls {
		flags = 1
	}
	b = binary.BigEndian.AppendUint32(b, 1) // dimensions
	b = binary.BigEndian.AppendUint32(b, flags)
	b = binary.BigEndian.AppendUint32(b, elem)
	b = binary.BigEndian.AppendUint32(b, uint32(n)) //nolint:gosec // a batch's length, at most maxBatch
	return binary.BigEndian.AppendUint32(b, 1)      // lower bound
}

func int8Array(b []byte, vs []int64) []byte {
	b = arrayHeader(b, pgtype.Int8OID, len(vs), false)
	for _, v := range vs {
		b = binary.BigEndian.AppendUint32(b, 8)
		b = binary.BigEndian.AppendUint64(b, uint64(v)) //nolint:gosec // an int8's bits
	}
	return b
}

func bytesArray[T string | []byte](b []byte, elem uint32, vs []T) []byte {
	b = arrayHeader(b, elem, len(vs), false)
	for _, v := range vs {
		b = binary.BigEndian.AppendUint32(b, uint32(len(v))) //nolint:gosec // checked by appendParams
		b = append(b, v...)
	}
	return b
}

func nullableTextArray(b []byte, vs []*string) []byte {
	b = arrayHeader(b, pgtype.TextOID, len(vs), slices.Contains(vs, nil))
	for _, v := range vs {
		if v == nil {
			b = binary.BigEndian.AppendUint32(b, math.MaxUint32) // -1: NULL
			continue
		}
		b = binary.BigEndian.AppendUint32(b, uint32(len(*v))) //nolint:gosec // a summary's length
		b = append(b, *v...)
	}
	return b
}
