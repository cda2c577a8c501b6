using System;
using System.Collections.Generic;
using System.Linq;
using Toolstack.Analyzers.Graph;
using Graph = Toolstack.Analyzers.Graph.LockGraph;

namespace Toolstack.LockGraph;

/// <summary>Where a node's box sits.</summary>
internal readonly record struct Box(double X, double Y)
{
    public const double Width = 200;
    public const double Height = 48;

    public double CenterX => X + (Width / 2);

    public double Bottom => Y + Height;

    public double Right => X + Width;
}

/// <summary>
/// The drawing's geometry: one row per declared level, outermost at the top (so every edge that
/// respects the hierarchy points down), locks without a level in a last row; edges as cubic curves.
/// </summary>
internal sealed class SvgLayout
{
    public const double LabelWidth = 110;
    public const double ColumnGap = 50;
    public const double RowGap = 80;
    public const double Margin = 30;

    // Room on the right for the edges that go up or sideways, which curve out past the boxes.
    public const double SideRoom = 160;

    private readonly Dictionary<string, Box> _boxes = new Dictionary<string, Box>();

    public SvgLayout(Graph graph)
    {
        List<IGrouping<int?, GraphNode>> rows = graph.Nodes
            .GroupBy(node => node.Level)
            .OrderBy(row => row.Key ?? int.MaxValue)
            .ToList();
        Rows = rows.Select(row => (row.Key, Y: 0.0)).ToList();
        int widest = 0;
        for (int r = 0; r < rows.Count; r++)
        {
            double y = Margin + (r * (Box.Height + RowGap));
            Rows[r] = (rows[r].Key, y);
            int column = 0;
            foreach (GraphNode node in rows[r])
            {
                _boxes[node.Id] = new Box(LabelWidth + Margin + (column * (Box.Width + ColumnGap)), y);
                column++;
            }

            widest = System.Math.Max(widest, column);
        }

        Width = LabelWidth + (2 * Margin) + (widest * (Box.Width + ColumnGap)) + SideRoom;
        Height = (2 * Margin) + (rows.Count * (Box.Height + RowGap));
    }

    public double Width { get; }

    public double Height { get; }

    /// <summary>Each row's level (null: no level) and top.</summary>
    public List<(int? Level, double Y)> Rows { get; }

    public bool TryGetBox(string id, out Box box) => _boxes.TryGetValue(id, out box);

    /// <summary>The curve from <paramref name="from"/> to <paramref name="to"/>, and where its count label goes.</summary>
    /// <param name="lane">Spreads the edges of one pair apart: declared, static and observed side by side.</param>
    public static (string Path, double LabelX, double LabelY) Curve(Box from, Box to, int lane)
    {
        double shift = lane * 14;
        (double x0, double y0, double x1, double y1, double x2, double y2, double x3, double y3) points;
        if (from == to)
        {
            // The same lock twice: a loop on the right.
            double loop = 55 + shift;
            points = (from.Right, from.Y + 12, from.Right + loop, from.Y - 18, from.Right + loop, from.Bottom + 18, from.Right,
                from.Bottom - 12);
        }
        else if (to.Y > from.Y)
        {
            // Down the hierarchy: bottom to top.
            double sx = from.CenterX + shift;
            double ex = to.CenterX + shift;
            double bend = (to.Y - from.Bottom) / 2;
            points = (sx, from.Bottom, sx, from.Bottom + bend, ex, to.Y - bend, ex, to.Y);
        }
        else
        {
            // Up or sideways: against the hierarchy, out to the right and back.
            double reach = 70 + (System.Math.Abs(from.Y - to.Y) / 6) + shift;
            double right = System.Math.Max(from.Right, to.Right);
            points = (from.Right, from.Y + (Box.Height / 2) + shift / 2, right + reach, from.Y + (Box.Height / 2), right + reach,
                to.Y + (Box.Height / 2), to.Right, to.Y + (Box.Height / 2) - shift / 2);
        }

        var (a, b, c, d, e, f, g, h) = points;
        string path = FormattableString.Invariant($"M {a:0.#} {b:0.#} C {c:0.#} {d:0.#}, {e:0.#} {f:0.#}, {g:0.#} {h:0.#}");
        double labelX = (0.125 * a) + (0.375 * c) + (0.375 * e) + (0.125 * g);
        double labelY = (0.125 * b) + (0.375 * d) + (0.375 * f) + (0.125 * h);
        return (path, labelX, labelY);
    }
}
